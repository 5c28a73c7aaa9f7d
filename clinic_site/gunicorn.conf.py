"""gunicorn settings for `make run` and production.

Every value can be overridden with GUNICORN_* environment variables or on the
command line.
"""

import multiprocessing
import os

import gunicorn.http.wsgi
from gunicorn import glogging

from clinic_site.logs import OneLineFormatter, RequestIDFilter

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# 2 x cores + 1, capped so a big host does not start more workers than the
# database's connection limit allows (each keeps one connection open).
workers = int(
    os.environ.get("GUNICORN_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, 9))
)
# A worker silent this long is killed and replaced (slow requests are bugs).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGHUP / SIGTERM, workers finish their requests for up to this long
# (graceful restart: `kill -HUP <master pid>` reloads code with no dropped
# requests).
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Longer than the load balancer's idle timeout is wrong; shorter is fine.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Recycle workers now and then so a slow leak can never grow without bound.
# Each recycle boots Django again (~0.3 s of CPU) and stalls the requests
# queued behind it, so keep it rare: 2,000 requests was a restart every
# second per worker under load (bench/wrk_bench.py's p99 spikes).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
# Heartbeat files in memory, not on a possibly slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
accesslog = "-"
errorlog = "-"
# Path without the query string: query strings may carry what a visitor typed.
# The last field is the request id Django logs with (X-Request-ID).
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s'
# gunicorn trusts no forwarding header from anyone. Django reads
# X-Forwarded-Proto itself (SECURE_PROXY_SSL_HEADER) and the client address
# from X-Forwarded-For (clinic_site.client); gunicorn's defaults would also let
# a peer it trusts set SCRIPT_NAME or PATH_INFO (a path answered, and cached,
# as another page) or the scheme. A Unix socket peer is always "trusted", so
# the header lists are emptied too, not only the addresses.
forwarded_allow_ips = ""
forwarder_headers = ""
secure_scheme_headers = {}
proxy_protocol = "off"
proxy_allow_ips = ""
# Headers whose names hold an underscore (`Script_Name`) are dropped: they
# would reach Django under the same name as a dashed one.
header_map = "drop"

# No server name or version in responses: gunicorn writes its own `Server`
# header on every response; this replaces its value.
gunicorn.http.wsgi.SERVER = "web"


class OneLineLogger(glogging.Logger):
    """gunicorn's logs one event per line, like the site's own (clinic_site.logs).

    - Access log atoms have control characters escaped: gunicorn logs the
      decoded path, so `/x%0aFORGED` would start a second, forged line (and
      `%00` would write a NUL).
    - The error log has the site's line format and request id, and a
      traceback is folded onto its line.
    """

    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(OneLineFormatter())
            handler.addFilter(RequestIDFilter())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            name: value.encode("unicode_escape").decode("ascii")
            if isinstance(value, str)
            else value
            for name, value in atoms.items()
        }


logger_class = OneLineLogger
