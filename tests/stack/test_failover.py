"""One app host dies (SIGKILL of its gunicorn master) during a stream of
requests: GETs go on through the other host, a POST in flight is stored
once or answered with an error (never stored twice), and the host takes
traffic again once it is back."""

import threading
import time

import pytest

pytestmark = pytest.mark.stack

# Never in nginx's page cache: each GET reaches an app host.
PATHS = ["/enquire/", "/healthz/"]
POSTS = 4


def test_gets_go_on_and_posts_are_never_doubled_when_a_host_dies(stack, stack_client):
    results = []  # (when, status) of every GET, an exception's name as status
    stop = threading.Event()

    def stream():
        for number in range(3000):  # bounded; stopped long before
            if stop.is_set():
                return
            try:
                status = stack_client.get(
                    stack, PATHS[number % 2], source="127.0.30.1", timeout=15
                )[0]
            except OSError as exc:
                status = type(exc).__name__
            results.append((time.monotonic(), status))

    posts = {}

    def post(number):
        message = f"Failover test enquiry {number} {time.time_ns()}"
        try:
            status = stack_client.post_enquiry(stack, message, f"127.0.31.{number}")[0]
        except OSError as exc:
            status = type(exc).__name__
        posts[message] = status

    streamer = threading.Thread(target=stream)
    streamer.start()
    try:
        time.sleep(1)
        posting = [threading.Thread(target=post, args=(n,)) for n in range(POSTS)]
        for thread in posting:
            thread.start()
        killed_at = time.monotonic()
        stack.kill_host(0)
        for thread in posting:
            thread.join(30)
        time.sleep(4)
    finally:
        stop.set()
        streamer.join(30)

    after_first_second = [s for t, s in results if t > killed_at + 1]
    assert len(after_first_second) > 20
    assert [s for s in after_first_second if s != 200] == []
    assert len(posts) == POSTS
    for message, status in posts.items():
        count = stack_client.stored(stack.database_url, message)
        assert count <= 1, (status, count)
        if status == 302:
            assert count == 1

    # Back: the host answers, and nginx sends it visitors again once its
    # fail_timeout (10 s) has passed.
    stack.start_host(0)
    log = stack.hosts[0].log_path
    offset = log.stat().st_size
    deadline = time.monotonic() + 30
    reached = False
    while time.monotonic() < deadline and not reached:
        assert stack_client.get(stack, "/enquire/", source="127.0.30.2")[0] == 200
        with log.open() as text:
            text.seek(offset)
            reached = '"GET /enquire/' in text.read()
        time.sleep(0.2)
    assert reached
