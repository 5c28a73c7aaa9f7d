from django import forms

MAX_QUERY_LENGTH = 200


class SearchForm(forms.Form):
    # Django's CharField also refuses a NUL character, with a field error.
    q = forms.CharField(
        label="Search for a condition or treatment",
        max_length=MAX_QUERY_LENGTH,
        required=False,
        error_messages={
            "max_length": "Use %(limit_value)d characters at most (you typed "
            "%(show_value)d). A word or two is enough, for example “knee pain”."
        },
        widget=forms.TextInput(attrs={"type": "search", "enterkeyhint": "search"}),
    )
