"""Use cases of svc-documents: render a document of any kind from svc-qualification's records (or a list from its
rows), store it, announce it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from nhi_common.errors import IdempotencyReuse, InvalidInput, NotFound
from nhi_common.paging import Page
from nhi_common.reasons import Reason

from ..domain import certificate, documents, kinds
from ..domain.certificate import NotInsured
from ..domain.characters import CHARACTERS_RULE, UndrawableCharacter, code_point
from ..domain.layout import DocumentModel, Issuer
from .characters import SUBSTITUTED, UndrawableLog
from .ports import ConcurrentWrite, DocumentRecords, DocumentStore, IdempotencyKeyReused, QualificationSource, Renderer

log = logging.getLogger(__name__)

ISSUED_SUBJECT = "nhi.v1.document.issued"
ISSUED_TYPE = "jp.nhi.document.issued.v1"
RENDER_OPERATION = "RenderDocument"
KINDS = kinds.KINDS
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "csv:utf-8": "text/csv; charset=utf-8",
    "csv:cp932": "text/csv; charset=Shift_JIS",
}
DATE_OPTIONS = ("as_of", "expected_on")  # options that take an ISO date: the day looked at, a birth's due date
JST = dt.timezone(dt.timedelta(hours=9))
_ATTEMPTS = 3
UNDRAWABLE_LISTING = "documents.undrawable_characters"  # the list's name in svc-qualification's audit row (rule DV)


class DocumentService:
    """Issues documents exactly once per request (idempotency key) and keeps them with their reasons."""

    def __init__(
        self,
        *,
        store: DocumentStore,
        qualification: QualificationSource,
        renderer: Renderer,
        insurer_number: str,
        municipality_name: str,
        fixed_business_date: dt.date | None = None,
        after_commit: Callable[[], None] = lambda: None,
        insurer_address: str = "",
        seal_text: str = "",
        certificate_prints_share: bool = False,
        undrawable: UndrawableLog | None = None,
    ) -> None:
        self.store = store
        self.qualification = qualification
        self.renderer = renderer
        self.insurer_number = insurer_number
        self.municipality_name = municipality_name
        self.fixed_business_date = fixed_business_date
        self.after_commit = after_commit
        self.printing = documents.Printing(
            Issuer(insurer_number, municipality_name, insurer_address, seal_text), certificate_prints_share
        )
        self.undrawable = undrawable

    def business_date(self, requested: dt.date | None = None) -> dt.date:
        """The request's business date, else the configured one (NHI_BUSINESS_DATE), else today in Japan."""
        return requested or self.fixed_business_date or dt.datetime.now(JST).date()

    # ----- RenderDocument -----

    def render_document(
        self,
        *,
        kind: str,
        person_id: str = "",
        household_id: str = "",
        format: str = "pdf",
        operator_id: str = "",
        business_date: dt.date | None = None,
        idempotency_key: str = "",
        fingerprint: bytes = b"",
        options: Mapping[str, str] | None = None,
        rows: Sequence[Mapping[str, str]] = (),
    ) -> dict[str, Any]:
        """Render, store and announce one document; a replayed idempotency key gives back the first document.

        `fingerprint` is the request serialized deterministically without its idempotency key."""
        checked = self._check_request(kind, format, person_id, dict(options or {}), rows)
        operator = operator_id or "system"
        if idempotency_key:
            with self.store.transaction() as tx:
                replay = self._replayed(tx, operator, idempotency_key, fingerprint)
            if replay is not None:
                return replay
        day = self.business_date(business_date)
        spec = KINDS[kind]
        facts = self.person_facts(spec, person_id, household_id, operator, day, checked) if spec.per_person else None
        request = _Request(spec, format or "pdf", checked, rows, facts)
        for attempt in range(_ATTEMPTS):
            try:
                meta = self._issue(request, day, operator, idempotency_key, fingerprint)
                break
            except ConcurrentWrite:
                # A concurrent issue took the same sequence number or the same idempotency key: try again.
                if attempt == _ATTEMPTS - 1:
                    raise
                log.info("retrying document issue after a concurrent write")
            except UndrawableCharacter as refused:
                self.record_refusal(refused)
                raise
        self.after_commit()
        return meta

    def _check_request(
        self, kind: str, format: str, person_id: str, options: dict[str, str], rows: Sequence[Mapping[str, str]]
    ) -> dict[str, str]:
        """The request checked against the kind's registry entry; its options with the defaults filled in."""
        if not kind:
            raise _invalid("kind", "is required; expected one of " + ", ".join(KINDS))
        if kind not in KINDS:
            raise _invalid("kind", f"unsupported document kind {kind!r}; expected one of " + ", ".join(KINDS))
        spec = KINDS[kind]
        if format and format not in spec.formats:
            raise _invalid("format", f"{kind} is rendered as " + " or ".join(spec.formats))
        for name, value in options.items():
            if name in DATE_OPTIONS and spec.per_person:
                documents.option_date(options, name)
                continue
            allowed = spec.options.get(name)
            if allowed is None:
                known = ", ".join([*spec.options, *(DATE_OPTIONS if spec.per_person else ())])
                raise InvalidInput(
                    f"options.{name}", f"{kind} takes no option {name!r} (options: {known})", code="UNKNOWN_KIND"
                )
            if value not in allowed:
                raise InvalidInput(f"options.{name}", f"must be one of {', '.join(allowed)}", code="UNKNOWN_KIND")
        if spec.per_person:
            if not person_id:
                raise _invalid("person_id", "is required")
            if rows:
                raise InvalidInput(
                    "rows", f"{kind} is drawn from svc-qualification, not from rows", code="CONFLICTING_FIELDS"
                )
        elif person_id:
            raise InvalidInput("person_id", f"{kind} is a list: give its rows instead", code="CONFLICTING_FIELDS")
        return {**spec.default_options(), **options}

    @staticmethod
    def _replayed(tx: DocumentRecords, operator: str, key: str, fingerprint: bytes) -> dict[str, Any] | None:
        try:
            return tx.replayed(operator_id=operator, key=key, operation=RENDER_OPERATION, request=fingerprint)
        except IdempotencyKeyReused:
            raise IdempotencyReuse() from None  # names the Idempotency-Key header, as svc-qualification's refusal does

    def due_facts(self, person_id: str, *, operator: str, day: dt.date) -> documents.PersonFacts:
        """A person's facts with the certificates due on `day` (CERT-KIND), and the share when one of them prints it:
        what a batch needs to issue every certificate due."""
        facts = self.person_facts(KINDS[certificate.KIND], person_id, "", operator, day, {})
        due_kinds = [KINDS[k] for k in facts.due.kinds if k in KINDS] if facts.due else []
        if facts.share is None and any(self._needs_share(spec) for spec in due_kinds):
            share = self.qualification.share(
                person_id, facts.person.household_id, as_of=day, operator_id=operator, business_date=day
            )
            facts = dataclasses.replace(facts, share=share)
        return facts

    def person_facts(
        self,
        spec: kinds.DocumentKind,
        person_id: str,
        household_id: str,
        operator: str,
        day: dt.date,
        options: Mapping[str, str],
    ) -> documents.PersonFacts:
        """Everything a per-person document needs, from svc-qualification (before any transaction opens)."""
        as_of = documents.option_date(options, "as_of") or day
        qualification = self.qualification.get_qualification(
            person_id, as_of=as_of, operator_id=operator, business_date=day
        )
        if not qualification.insured:
            raise NotInsured(person_id, as_of)
        due = None
        if spec.due_kind:
            # CERT-KIND and CERT-EXPIRY are svc-qualification's rules: ask it which certificates are due, until when.
            due = self.qualification.certificates_due(person_id, operator_id=operator, business_date=day)
        person = self.qualification.get_person(person_id, operator_id=operator, business_date=day)
        if household_id and household_id != person.household_id:
            raise InvalidInput(
                "household_id",
                f"person {person_id} is not a member of household {household_id}",
                rule="HOUSEHOLD",
                code="HOUSEHOLD_MISMATCH",
            )
        household = self.qualification.get_household(person.household_id, operator_id=operator, business_date=day)
        head = household.member(household.head_person_id)
        if head is None and household.head_person_id:
            head = self.qualification.get_person(household.head_person_id, operator_id=operator, business_date=day)
        share = None
        if self._needs_share(spec):
            share = self.qualification.share(
                person_id, person.household_id, as_of=as_of, operator_id=operator, business_date=day
            )
        return documents.PersonFacts(
            person=person,
            qualification=qualification,
            household=household,
            head_name=head.name_kanji if head is not None else "",
            due=due,
            share=share,
        )

    def _needs_share(self, spec: kinds.DocumentKind) -> bool:
        """The share is printed on the 高齢受給者証, the お知らせ, the 負担区分 slip, and on the 資格確認書 in
        CERT-KIND's variant: asked for only then."""
        if spec.code in ("elderly_recipient_certificate", "qualification_notice", "burden_category_slip"):
            return True
        return spec.code == certificate.KIND and self.printing.certificate_prints_share

    def _model(self, request: _Request, day: dt.date, number: str | None) -> DocumentModel:
        now = dt.datetime.now(dt.timezone.utc)
        if request.facts is None:
            return documents.list_document(request.spec, request.rows, self.printing, day=day, created_at=now)
        return documents.person_document(
            request.spec, request.facts, self.printing, day=day, created_at=now, options=request.options, number=number
        )

    def _content(self, request: _Request, model: DocumentModel) -> tuple[bytes, str, tuple[Reason, ...]]:
        """The bytes, their media type and the reasons kept with them."""
        if request.format == "csv":
            encoding = request.options.get("encoding", kinds.UTF8)
            content, replaced = self.renderer.csv(model, encoding)
            reasons = model.reasons
            if replaced:
                summary = f"CP932で表せない{replaced}文字を〓で出力"
                reasons += (Reason(CHARACTERS_RULE, summary, "文字要件", {"replaced_characters": str(replaced)}),)
            return content, MEDIA_TYPES[f"csv:{encoding}"], reasons
        content = self.renderer.render(model)
        return content, MEDIA_TYPES["pdf"], model.reasons + self.substitutions(model)

    def substitutions(self, model: DocumentModel) -> tuple[Reason, ...]:
        """The reason a rendered document keeps when an ideographic variation sequence was printed as its base
        character (NHI_PDF_IVS_BASE_FALLBACK): which sequences, in which fields; () when none was."""
        substituted = list(dict.fromkeys((source or "text", seq) for source, seq in self.renderer.substituted(model)))
        if not substituted:
            return ()
        shown = "、".join(dict.fromkeys(f"{seq[0]}（{code_point(seq)}）" for _source, seq in substituted))
        facts = {
            "substituted": ",".join(code_point(seq) for _source, seq in substituted),
            "substituted_fields": ",".join(source for source, _seq in substituted),
        }
        summary = f"異体字の字形を持つフォントがないため基本字形で印字: {shown}"
        return (Reason(CHARACTERS_RULE, summary, "文字要件", facts),)

    def record_refusal(self, refused: UndrawableCharacter) -> None:
        """The refusal for an undrawable character, kept for the clerk's list (after the document's transaction)."""
        log.warning("document refused: %s for person %s (%s)", refused.code, refused.person_id, refused.kind)
        if self.undrawable is not None and refused.person_id:
            self.undrawable.record(
                person_id=refused.person_id,
                field=refused.source,
                character=code_point(refused.char),
                kind=refused.kind,
                seen_at=dt.datetime.now(dt.timezone.utc),
            )

    def record_substitutions(self, person_id: str, kind: str, reasons: Sequence[Reason]) -> None:
        """The ideographic variation sequences a document printed as their base character, kept on the clerk's list
        of characters (after the document's transaction)."""
        if self.undrawable is None:
            return
        for reason in reasons:
            if reason.rule_id != CHARACTERS_RULE or "substituted" not in reason.facts:
                continue
            fields = reason.facts["substituted_fields"].split(",")
            for field, character in zip(fields, reason.facts["substituted"].split(","), strict=True):
                self.undrawable.record(
                    person_id=person_id,
                    field=field,
                    character=character,
                    kind=kind,
                    seen_at=dt.datetime.now(dt.timezone.utc),
                    outcome=SUBSTITUTED,
                )

    def _issue(
        self, request: _Request, day: dt.date, operator: str, idempotency_key: str, fingerprint: bytes
    ) -> dict[str, Any]:
        spec, facts = request.spec, request.facts
        kind = spec.code
        numbered = spec.group == kinds.CERTIFICATE and bool(spec.due_kind)
        if numbered:  # a certificate that is not due is refused before a number is taken
            self._model(request, day, None)
        document_id = str(uuid.uuid4())
        number = None
        if idempotency_key or numbered:
            with self.store.transaction() as tx:
                if idempotency_key:
                    replay = self._replayed(tx, operator, idempotency_key, fingerprint)
                    if replay is not None:
                        return replay
                if numbered:
                    sequence = tx.next_certificate_sequence(certificate.sequence_key(day))
                    number = certificate.certificate_number(day, sequence)
        # Drawn outside any transaction: a list of thousands of rows must not hold the store's write lock (on SQLite
        # every other request waits behind it). A number taken for a document that then fails stays unused.
        model = self._model(request, day, number)
        content, media_type, reasons = self._content(request, model)
        sha256 = hashlib.sha256(content).hexdigest()
        person_id = facts.person.person_id if facts else ""
        with self.store.transaction() as tx:
            if idempotency_key:  # a request under the same key may have finished while this one drew
                replay = self._replayed(tx, operator, idempotency_key, fingerprint)
                if replay is not None:
                    return replay
            tx.add_document(
                document_id=document_id,
                kind=kind,
                title=model.title,
                person_id=person_id,
                household_id=model.household_id,
                media_type=media_type,
                content=content,
                sha256=sha256,
                issued_on=day,
                valid_until=model.valid_until,
                certificate_number=number,
                reasons=[r.as_dict() for r in reasons],
                operator_id=operator,
                created_at=model.created_at,
            )
            tx.add_event(
                nats_subject=ISSUED_SUBJECT,
                type=ISSUED_TYPE,
                subject=document_id,
                data={
                    "document_id": document_id,
                    "kind": kind,
                    "person_id": person_id,
                    "household_id": model.household_id,
                    "issued_on": day.isoformat(),
                    "valid_until": model.valid_until.isoformat() if model.valid_until else None,
                    "certificate_number": number,
                    "sha256": sha256,
                },
            )
            tx.audit(
                operator_id=operator,
                action="document.issued",
                target_kind="document",
                target_id=document_id,
                detail=f"{kind} {number or '-'} person {person_id or '-'} valid until {model.valid_until}",
            )
            if idempotency_key:
                tx.remember(
                    operator_id=operator,
                    key=idempotency_key,
                    operation=RENDER_OPERATION,
                    request=fingerprint,
                    document_id=document_id,
                )
            meta = tx.get_document(document_id)
        log.info("document %s issued: %s %s", document_id, kind, number or "")
        if person_id:
            self.record_substitutions(person_id, kind, reasons)
        replaced = next((r.facts["replaced_characters"] for r in reasons if "replaced_characters" in r.facts), "0")
        return {**meta, "replaced_characters": int(replaced)}

    # ----- reading -----

    def get_document(self, document_id: str, *, with_content: bool = False, operator_id: str = "") -> dict[str, Any]:
        if not document_id:
            raise _invalid("document_id", "is required")
        with self.store.transaction() as tx:
            meta = tx.get_document(document_id, with_content=with_content)
            if meta is not None and with_content:
                tx.audit(
                    operator_id=operator_id,
                    action="document.read",
                    target_kind="document",
                    target_id=document_id,
                    detail=f"{meta['kind']} person {meta['person_id']}",
                )
        if meta is None:
            raise NotFound("document", document_id)
        return meta

    def list_undrawable_characters(
        self, *, person_id: str = "", page: Page = Page(), caller: Any = None
    ) -> tuple[list[dict[str, Any]], str]:
        """The persons whose documents were refused for a character no font draws, oldest first (文字要件), without
        the DV support-measure persons `caller` may not see listed (rule DV; no caller: the service's own read)."""
        if self.undrawable is None:
            return [], ""
        rows, cursor = self.undrawable.list(person_id=person_id, page=page)
        if caller is None or not rows:
            return rows, cursor
        hidden = self.qualification.hidden_persons(caller, [r["person_id"] for r in rows], UNDRAWABLE_LISTING)
        return [r for r in rows if r["person_id"] not in hidden], cursor

    def list_documents(
        self, *, person_id: str = "", kind: str = "", page: Page = Page()
    ) -> tuple[list[dict[str, Any]], str]:
        """A page of documents, newest first, and the cursor of the next page ('' at the end)."""
        with self.store.transaction() as tx:
            return tx.list_documents(person_id=person_id, kind=kind, page=page)


@dataclasses.dataclass(frozen=True)
class _Request:
    """One checked render request and, for a per-person kind, the facts gathered for it."""

    spec: kinds.DocumentKind
    format: str
    options: dict[str, str]
    rows: Sequence[Mapping[str, str]]
    facts: documents.PersonFacts | None


def _invalid(field: str, message: str) -> InvalidInput:
    """A request this service cannot read, with the code plain field checks have always answered."""
    return InvalidInput(field, message, rule="format", code="INVALID_ARGUMENT")
