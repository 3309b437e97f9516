"""Every kind of document svc-documents issues (domain §4): its code, Japanese title, formats, options, who asks.

The one registry: the service checks a request against it, the renderer draws the paper it names, the API spec
lists what it holds."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

CERTIFICATE = "certificate"
SLIP = "slip"
FORM = "form"
LIST = "list"

PDF = "pdf"
CSV = "csv"
UTF8 = "utf-8"
CP932 = "cp932"

COUNTER_ROLES = ("counter", "backoffice", "batch")
LIST_ROLES = ("backoffice", "batch", "auditor")

# Where a card-size certificate is printed: on its own postcard (はがき), or on an A4 carrier sheet whose address
# block sits behind the window of a window envelope (窓あき封筒).
PAPER_OPTION = ("paper", ("postcard", "a4_carrier"))
ENCODING_OPTION = ("encoding", (UTF8, CP932))


@dataclasses.dataclass(frozen=True)
class DocumentKind:
    """One kind of document: what it is called, how it may be asked for, and what it is drawn from."""

    code: str
    title: str
    group: str  # certificate | slip | form | list
    formats: tuple[str, ...] = (PDF,)
    options: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)  # option -> allowed values
    roles: tuple[str, ...] = COUNTER_ROLES
    # the certificate svc-qualification must name as due (CERT-KIND) before this kind is issued; "" = none needed
    due_kind: str = ""
    # sent to a third party (another office, a medical institution): the address is left off when any member of the
    # person's household is a DV support-measure person (DV: the address is the household's)
    third_party: bool = False
    columns: tuple[tuple[str, str], ...] = ()  # lists: (row key, Japanese heading)
    source_connected: bool = True  # lists: False while the flow that feeds the list is not built yet

    @property
    def per_person(self) -> bool:
        return self.group != LIST

    def default_options(self) -> dict[str, str]:
        return {name: values[0] for name, values in self.options.items()}


def _list(code: str, title: str, columns: tuple[tuple[str, str], ...], *, connected: bool) -> DocumentKind:
    return DocumentKind(
        code=code,
        title=title,
        group=LIST,
        formats=(PDF, CSV),
        options=dict([ENCODING_OPTION]),
        roles=LIST_ROLES,
        columns=columns,
        source_connected=connected,
    )


KINDS: dict[str, DocumentKind] = {
    kind.code: kind
    for kind in (
        DocumentKind(
            "eligibility_certificate",
            "国民健康保険 資格確認書",
            CERTIFICATE,
            options=dict([PAPER_OPTION]),
            due_kind="eligibility_certificate",
        ),
        DocumentKind(
            "qualification_notice",
            "資格情報のお知らせ",
            CERTIFICATE,
            due_kind="qualification_notice",
        ),
        DocumentKind(
            "elderly_recipient_certificate",
            "国民健康保険 高齢受給者証",
            CERTIFICATE,
            options=dict([PAPER_OPTION]),
            due_kind="elderly_recipient_certificate",
        ),
        DocumentKind(
            "enrollment_certificate",
            "国民健康保険 加入脱退証明書",
            CERTIFICATE,
            third_party=True,  # handed to an employer or another insurer
        ),
        DocumentKind(
            "specific_same_household_slip", "特定同一世帯所属者異動連絡票", SLIP, roles=("counter", "backoffice")
        ),
        DocumentKind("former_dependant_slip", "旧被扶養者異動連絡票", SLIP, roles=("counter", "backoffice")),
        DocumentKind("burden_category_slip", "負担区分異動連絡票", SLIP, roles=("counter", "backoffice")),
        DocumentKind(
            "prenatal_reduction_slip",
            "産前産後保険料（税）軽減異動連絡票",
            SLIP,
            options={"births": ("single", "multiple")},
            roles=("counter", "backoffice"),
        ),
        DocumentKind(
            "involuntary_unemployment_slip",
            "非自発的失業者保険料（税）軽減異動連絡票",
            SLIP,
            roles=("counter", "backoffice"),
        ),
        DocumentKind(
            "funeral_expense_application", "国民健康保険 葬祭費支給申請書", FORM, roles=("counter", "backoffice")
        ),
        DocumentKind(
            "childbirth_lump_sum_application",
            "国民健康保険 出産育児一時金支給申請書",
            FORM,
            roles=("counter", "backoffice"),
            third_party=True,  # goes to the maternity facility under direct payment (直接支払制度)
        ),
        _list(
            "qualification_change_list",
            "資格異動内容確認一覧",
            (
                ("registered_on", "処理日"),
                ("operator_id", "操作者"),
                ("household_id", "世帯番号"),
                ("insured_number", "記号番号枝番"),
                ("name", "氏名"),
                ("change_reason", "異動事由"),
                ("event_date", "異動日"),
                ("notified_on", "届出日"),
                ("before", "異動前"),
                ("after", "異動後"),
                ("certificate_action", "証の処理"),
            ),
            connected=True,
        ),
        _list(
            "age75_target_list",
            "75歳到達対象者一覧",
            (
                ("person_id", "宛名番号"),
                ("name", "氏名"),
                ("birth_date", "生年月日"),
                ("birthday_75", "75歳到達日"),
                ("lost_on", "資格喪失日"),
                ("household_effects", "世帯への影響"),
                ("burden_ratio", "負担割合"),
                ("outcome", "結果"),
            ),
            connected=True,
        ),
        _list(
            "qualification_inconsistency_list",
            "国保資格不整合一覧",
            (
                ("person_id", "宛名番号"),
                ("name", "氏名"),
                ("nhi_status", "国保資格"),
                ("other_status", "他業務の状態"),
                ("mismatch", "不整合の種類"),
                ("action", "対応案"),
            ),
            connected=True,
        ),
        _list(
            "qualification_data_error_list",
            "資格情報データエラーリスト",
            (("record_key", "レコードキー"), ("file", "ファイル"), ("error_code", "エラーコード"), ("message", "内容")),
            connected=True,
        ),
        _list(
            "interchange_import_list",
            "連携データ取込リスト",
            (("data_type", "データ種別"), ("count", "件数"), ("status", "取込状況"), ("rejected", "不能レコード")),
            connected=True,
        ),
        _list(
            "interchange_registration_result_list",
            "連携データ登録結果リスト",
            (
                ("record_key", "レコード"),
                ("applied", "反映"),
                ("reason", "理由"),
                ("pref_acquired_on", "都道府県資格取得年月日"),
            ),
            connected=True,
        ),
        _list(
            "subcopy_target_list",
            "副本データ対象者一覧",
            (
                ("person_id", "宛名番号"),
                ("name", "氏名"),
                ("item_type", "副本項目"),
                ("change_type", "異動区分"),
                ("transfer_status", "転送状況"),
            ),
            connected=True,
        ),
    )
}
