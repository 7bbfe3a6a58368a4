"""The verification page: anyone, on any host."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from config.errors import ApplicationError
from documents.forms import UploadForm
from documents.pdf.report import verification_report_pdf
from documents.verification import document_verify, report_as_dict


@require_http_methods(["GET", "POST"])
def verify_view(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = report_as_dict(document_verify(data=upload.read()))
            report["name"] = upload.name
        except ApplicationError as error:
            form.add_error("file", error.message)
        else:
            if request.POST.get("format") == "pdf":
                return report_pdf_response(report)
    return render(
        request, "documents/verify.html", {"form": form, "report": report}, status=400 if form.errors else 200
    )


def report_pdf_response(report: dict) -> HttpResponse:
    response = HttpResponse(
        verification_report_pdf(report, generated_at=timezone.localtime()), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="verification-{report["sha256"][:12]}.pdf"'
    return response
