"""VietQR payment codes: business households' and the village fund's accounts, as images and
a printable counter card."""

import io
from typing import Any

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.access import current_village
from households.models import Household
from payments import services, vietqr
from payments.access import access_payment_code, recorder_required
from payments.models import PaymentCode
from villageportal.pdf import VIETNAMESE_FONTS as FONTS


class PaymentCodeForm(forms.Form):
    household = forms.ModelChoiceField(
        label=gettext_lazy("Business household"),
        queryset=Household.objects.none(),
        required=False,
        empty_label=gettext_lazy("— the village fund —"),
    )
    shop_name = forms.CharField(label=gettext_lazy("Name on the card"), max_length=100)
    bank_bin = forms.ChoiceField(label=gettext_lazy("Bank"))
    account_number = forms.CharField(label=gettext_lazy("Account number"), max_length=40)
    account_name = forms.CharField(
        label=gettext_lazy("Account holder"), max_length=100, required=False
    )

    def __init__(self, *args: Any, village: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = Household.objects.active().filter(
            village=village, is_business=True
        )
        self.fields["bank_bin"].choices = [("", "—")] + [
            (b.bin, f"{b.short_name} ({b.bin})") for b in vietqr.banks()
        ]

    def clean_account_number(self) -> str:
        return vietqr.clean_account_number(self.cleaned_data["account_number"])

    def clean_account_name(self) -> str:
        return vietqr.clean_account_name(self.cleaned_data.get("account_name", ""))


class AmountForm(forms.Form):
    amount = forms.CharField(label=gettext_lazy("Amount (dong), optional"), required=False)
    purpose = forms.CharField(label=gettext_lazy("Transfer message, optional"), required=False)

    def clean_amount(self) -> int | None:
        return vietqr.clean_amount(self.cleaned_data.get("amount"))

    def clean_purpose(self) -> str:
        return vietqr.clean_purpose(self.cleaned_data.get("purpose", ""))


def _payload(code: PaymentCode, params: Any) -> tuple[str | None, AmountForm]:
    form = AmountForm(params or None)
    if params and not form.is_valid():
        return None, form
    data = form.cleaned_data if params else {}
    text = vietqr.payload(
        bank_bin=code.bank_bin,
        account_number=code.account_number,
        amount=data.get("amount"),
        purpose=data.get("purpose", ""),
    )
    return text, form


def _qr(text: str) -> segno.QRCode:
    return segno.make(text, error="q", micro=False)


@require_GET
@recorder_required
def code_list(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    codes = PaymentCode.objects.visible_to(request.user).filter(village=village)
    return render(
        request,
        "payments/codes.html",
        {"codes": codes, "form": PaymentCodeForm(village=village), "banks": vietqr.banks()},
    )


@require_POST
@recorder_required
def code_create(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    form = PaymentCodeForm(request.POST, village=village)
    if form.is_valid():
        try:
            code = services.payment_code_create(
                village=village,
                household=form.cleaned_data["household"],
                shop_name=form.cleaned_data["shop_name"],
                bank_bin=form.cleaned_data["bank_bin"],
                account_number=form.cleaned_data["account_number"],
                account_name=form.cleaned_data["account_name"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Payment code created."))
            return redirect("payments_code_detail", pk=code.pk)
    codes = PaymentCode.objects.visible_to(request.user).filter(village=village)
    return render(request, "payments/codes.html", {"codes": codes, "form": form}, status=400)


@require_GET
@login_required
def code_detail(request: HttpRequest, pk: int) -> HttpResponse:
    code = access_payment_code(user=request.user, pk=pk)
    text, form = _payload(code, request.GET)
    query = request.GET.urlencode() if text else ""
    return render(
        request,
        "payments/code_detail.html",
        {
            "code": code,
            "bank": vietqr.bank_by_bin(code.bank_bin),
            "payload": text,
            "encoded": vietqr.encoded(text) if text else None,
            "form": form,
            "query": query,
            "svg": _qr(text).svg_inline(scale=6, border=2) if text else "",
        },
        status=200 if text else 400,
    )


def _image(request: HttpRequest, pk: int) -> tuple[PaymentCode, str | None, AmountForm]:
    code = access_payment_code(user=request.user, pk=pk)
    text, form = _payload(code, request.GET)
    return code, text, form


def _bad(form: AmountForm) -> HttpResponse:
    problems = "; ".join(str(m) for errors in form.errors.values() for m in errors)
    return HttpResponseBadRequest(problems, content_type="text/plain; charset=utf-8")


@require_GET
@login_required
def code_png(request: HttpRequest, pk: int) -> HttpResponse:
    _code_obj, text, form = _image(request, pk)
    if text is None:
        return _bad(form)
    buffer = io.BytesIO()
    _qr(text).save(buffer, kind="png", scale=8, border=4)
    return HttpResponse(buffer.getvalue(), content_type="image/png")


@require_GET
@login_required
def code_svg(request: HttpRequest, pk: int) -> HttpResponse:
    _code_obj, text, form = _image(request, pk)
    if text is None:
        return _bad(form)
    buffer = io.BytesIO()
    _qr(text).save(buffer, kind="svg", scale=8, border=4, xmldecl=False)
    return HttpResponse(buffer.getvalue(), content_type="image/svg+xml")


@require_GET
@login_required
def code_card(request: HttpRequest, pk: int) -> HttpResponse:
    code, text, form = _image(request, pk)
    if text is None:
        return _bad(form)
    return render(
        request,
        "payments/code_card.html",
        {
            "code": code,
            "bank": vietqr.bank_by_bin(code.bank_bin),
            # With a viewBox and no fixed size, the code scales to the card instead of being
            # clipped at its right edge on a narrow screen.
            "svg": _qr(text).svg_inline(scale=10, border=2, omitsize=True),
            "encoded": vietqr.encoded(text),
        },
    )


def _encoded_lines(encoded: vietqr.Encoded) -> list[str]:
    """The amount and message a code carries, in words and figures, as printed under it."""
    if encoded.amount:
        lines = [
            _("Amount: %(figures)s dong (%(words)s)")
            % {"figures": encoded.amount_figures, "words": encoded.amount_words}
        ]
    else:
        lines = [_("Amount: the payer enters it")]
    if encoded.purpose:
        lines.append(_("Transfer message: %(purpose)s") % {"purpose": encoded.purpose})
    return lines


@require_GET
@login_required
def code_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from fpdf import FPDF

    code, text, form = _image(request, pk)
    if text is None:
        return _bad(form)
    bank = vietqr.bank_by_bin(code.bank_bin)
    image = io.BytesIO()
    _qr(text).save(image, kind="png", scale=10, border=2)
    image.seek(0)
    pdf = FPDF(unit="mm", format=(105, 148))
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    # Each line starts again at the left margin: a line left at the right edge by the one
    # before it would be squeezed into no width and cut off.
    pdf.multi_cell(0, 7, code.shop_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(
        0, 4.5, _("Scan with any banking app (VietQR)"), align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.image(image, x=(pdf.w - 70) / 2, y=pdf.get_y() + 2, w=70, h=70)
    pdf.set_y(pdf.get_y() + 75)
    pdf.set_font("DejaVu", "B", 10)
    pdf.multi_cell(
        0, 5, bank.short_name if bank else code.bank_bin, align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(0, 5, code.account_number, align="C", new_x="LMARGIN", new_y="NEXT")
    if code.account_name:
        pdf.multi_cell(0, 5, code.account_name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    for line in _encoded_lines(vietqr.encoded(text)):
        pdf.multi_cell(0, 4.5, line, align="C", new_x="LMARGIN", new_y="NEXT")
    response = HttpResponse(bytes(pdf.output()), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="vietqr-{code.pk}.pdf"'
    return response
