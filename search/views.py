from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from .forms import MAX_QUERY_LENGTH, SearchForm
from .index import search
from .text import query_terms


@require_safe
def search_page(request):
    """/search/?q=: the form, the results, or a helpful page when nothing
    matches. Never cached as a public page (the query is the visitor's)."""
    # Only q counts; a repeated q is read as browsers send the last one.
    form = SearchForm({"q": request.GET.get("q", "")})
    # What the box shows again: never a NUL, never more than fits the field.
    typed = request.GET.get("q", "").replace("\x00", "")[:MAX_QUERY_LENGTH]
    context = {"form": form, "typed": typed, "query": "", "results": None}
    if form.is_valid():
        query = form.cleaned_data["q"]
        context["query"] = query
        # Only punctuation or stop words: the form again, with a hint.
        if query_terms(query):
            context["results"] = search(query)
    response = TemplateResponse(request, "search/search.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
