from django import forms

from . import sign_in

# Longer than any code with its spaces; anything longer is not a code.
CODE_MAX_TYPED = 40


class CodeForm(forms.Form):
    """One box for the code: typed or pasted, spaces allowed (WCAG 2.2's
    accessible authentication: nothing to remember or transcribe by hand
    that a password manager or paste could not fill in)."""

    code = forms.CharField(
        label="Code",
        strip=True,
        error_messages={
            "required": "Enter the 6-digit code your authenticator app shows now."
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )

    def __init__(self, *args, user=None, device=None, **kwargs):
        """`device`: the app being set up (only its codes count then);
        otherwise any of the user's devices."""
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = device
        self.refused = None
        self.verified_device = None

    def full_clean(self):
        super().full_clean()
        if "code" in self.errors:
            # The message shown beside the box is read out with it.
            self.fields["code"].widget.attrs["aria-describedby"] = "code-error"

    def clean_code(self):
        typed = self.cleaned_data["code"]
        code = sign_in.normalise(typed)
        try:
            if len(typed) > CODE_MAX_TYPED:
                raise sign_in.Refused(
                    "not a code",
                    f"That is {len(typed)} characters long: a code is 6 digits "
                    "(8 for a backup code).",
                    counts=False,
                )
            if self.device is not None:
                if not sign_in.APP_CODE.fullmatch(code):
                    raise sign_in.Refused(
                        "not a code",
                        "Enter the 6-digit code your authenticator app shows now.",
                        counts=False,
                    )
                self.verified_device = sign_in.verify_app_code(
                    self.user, self.device, code
                )
            else:
                self.verified_device = sign_in.check(self.user, code)
        except sign_in.Refused as refused:
            self.refused = refused
            raise forms.ValidationError(refused.message) from None
        return code
