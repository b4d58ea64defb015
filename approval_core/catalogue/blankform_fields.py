"""What each draft blank form asks for (see `blankforms`): fields, a letter text or a roster.

Keyed by (item code, material code) of rules/items.yaml. These are drafts for the department's
own forms: the fields follow what the item's statute asks the applicant to state.
"""

from __future__ import annotations

from dataclasses import dataclass

Field = tuple[str, str, int]  # label zh, label en, lines of blank space
Column = tuple[str, float]  # header, width (relative)


@dataclass(frozen=True)
class FormSpec:
    fields: tuple[Field, ...] = ()
    letter: str = ""  # the text of a letter-form (证明、推荐书、承诺书), blanks as ____
    columns: tuple[Column, ...] = ()  # a roster (名单、名册、清单): first column is 序号
    rows: int = 12
    title_zh: str = ""  # the material's name unless given
    title_en: str = ""
    signer: str = "申请人签名 / Applicant's signature"
    declaration: str = (
        "本人承诺：以上所填内容及所附材料真实、准确、完整，如有虚假，愿承担相应的法律责任。\n"
        "I declare that the above and the materials attached are true, accurate and complete, "
        "and accept the legal consequences of any false statement."
    )


PERSON: tuple[Field, ...] = (
    ("姓名", "Name", 1),
    ("性别", "Sex", 1),
    ("出生日期", "Date of birth", 1),
    ("公民身份号码", "Citizen ID number", 1),
    ("学历、学位", "Education and degree", 1),
    ("联系电话", "Phone", 1),
    ("电子邮箱", "E-mail", 1),
    ("通讯地址", "Postal address", 1),
)
CONTACT: tuple[Field, ...] = (
    ("联系人", "Contact person", 1),
    ("联系电话", "Phone", 1),
)
CV: Field = ("工作简历（起止年月、单位、职务）", "Work history (dates, employer, position)", 4)
ORGANISATION_SIGNER = "单位负责人签名并盖章 / Signature of the head and seal"
ROSTER_PEOPLE: tuple[Column, ...] = (
    ("序号", 10),
    ("姓名", 22),
    ("公民身份号码", 42),
    ("证书编号", 36),
    ("执业（工作）年限", 24),
    ("备注", 26),
)
CONSENT = "{body}\n兹证明：____________（公民身份号码：______________________）{what}。\n特此证明。"


def _consent(body: str, what: str) -> FormSpec:
    return FormSpec(
        letter=CONSENT.format(body=body, what=what),
        signer=ORGANISATION_SIGNER,
        declaration="本单位对本证明内容的真实性负责。/ We vouch for the truth of this letter.",
    )


FIELDS: dict[tuple[str, str], FormSpec] = {
    ("LAWYER-PRACTICE", "APPLICATION"): FormSpec(
        fields=(
            *PERSON,
            ("法律职业资格证书编号", "Legal professional qualification certificate no.", 1),
            ("实习律师证编号及实习起止日期", "Trainee certificate no. and internship dates", 1),
            ("拟执业的律师事务所", "Law firm to practise at", 1),
            ("执业类别（专职／兼职）", "Full-time or part-time practice", 1),
            CV,
        )
    ),
    ("LAWYER-PRACTICE", "FIRM_CONSENT"): _consent(
        "江西省司法厅：", "在本所实习期满、考核合格，本所同意接收其在本所专职（兼职）执业"
    ),
    ("LAWYER-PRACTICE", "EMPLOYER_CONSENT"): _consent(
        "江西省司法厅：", "系本单位工作人员，本单位同意其从事兼职律师职业"
    ),
    ("LAWFIRM-ESTABLISH", "APPLICATION"): FormSpec(
        fields=(
            ("拟设律师事务所名称", "Proposed name of the firm", 1),
            ("组织形式（普通合伙／特殊普通合伙／个人）", "Form (partnership / individual)", 1),
            ("住所", "Premises", 1),
            ("设立资产（万元）", "Assets (10,000 yuan)", 1),
            ("设立人（负责人）", "Founder (head)", 1),
            ("执业律师人数", "Number of lawyers", 1),
            *CONTACT,
            ("设立理由及执业规划", "Reasons and plan of practice", 5),
        ),
        signer="设立人签名 / Founders' signatures",
    ),
    ("LAWFIRM-ESTABLISH", "LAWYERS"): FormSpec(
        columns=ROSTER_PEOPLE, title_zh="律师名单", title_en="List of the firm's lawyers"
    ),
    ("NOTARY-PRACTICE", "APPLICATION"): FormSpec(
        fields=(
            *PERSON,
            ("法律职业资格证书编号", "Legal professional qualification certificate no.", 1),
            ("实习的公证机构及起止日期", "Notary office of the internship and dates", 1),
            ("拟执业的公证机构", "Notary office to practise at", 1),
            CV,
        )
    ),
    ("NOTARY-PRACTICE", "RECOMMENDATION"): _consent(
        "江西省司法厅：",
        "符合《中华人民共和国公证法》规定的担任公证员的条件，本机构推荐其担任公证员",
    ),
    ("NOTARY-PRACTICE", "LOCAL_OPINION"): FormSpec(
        fields=(
            ("申请人姓名", "Applicant", 1),
            ("拟执业的公证机构", "Notary office", 1),
            ("审查意见", "Opinion", 6),
            ("经办人", "Officer", 1),
        ),
        title_zh="所在地司法行政机关审查意见表",
        title_en="Opinion of the local justice bureau",
        signer="负责人签名并盖章 / Head's signature and seal",
        declaration="经审查，意见如上。/ Examined, with the opinion above.",
    ),
    ("NOTARY-OFFICE-ESTABLISH", "APPLICATION"): FormSpec(
        fields=(
            ("拟设公证机构名称", "Proposed name", 1),
            ("设立地（设区的市、县）", "Place (city or county)", 1),
            ("办公场所", "Premises", 1),
            ("开办资金（万元）", "Funds (10,000 yuan)", 1),
            ("拟任公证员人数", "Number of notaries", 1),
            *CONTACT,
            ("组建报告（设立理由、人员、场所、资金）", "Report (why, staff, premises, funds)", 7),
        ),
        signer="组建机关负责人签名并盖章 / Head of the founding body, seal",
    ),
    ("NOTARY-OFFICE-ESTABLISH", "NOTARIES"): FormSpec(
        columns=ROSTER_PEOPLE, title_zh="拟任公证员名单", title_en="List of proposed notaries"
    ),
    ("NOTARY-OFFICE-ESTABLISH", "HEAD"): FormSpec(
        fields=(*PERSON, ("拟任职务", "Proposed position", 1), CV),
        title_zh="拟任公证机构负责人情况表",
        title_en="Particulars of the proposed head of the notary office",
    ),
    ("APPRAISER-PRACTICE", "APPLICATION"): FormSpec(
        fields=(
            *PERSON,
            ("专业技术职称或执业资格", "Professional title or qualification", 1),
            ("申请执业类别", "Field of appraisal applied for", 1),
            ("拟执业的司法鉴定机构", "Appraisal institution", 1),
            CV,
        )
    ),
    ("APPRAISER-PRACTICE", "INSTITUTION_CONSENT"): _consent(
        "江西省司法厅：", "具备相关专业的执业条件，本机构同意其在本机构从事司法鉴定业务"
    ),
    ("APPRAISAL-INSTITUTION-ESTABLISH", "APPLICATION"): FormSpec(
        fields=(
            ("机构名称", "Name of the institution", 1),
            ("住所", "Premises", 1),
            ("法定代表人", "Legal representative", 1),
            ("机构负责人", "Head of the institution", 1),
            ("资金（万元）", "Funds (10,000 yuan)", 1),
            ("申请的业务范围", "Fields of appraisal applied for", 2),
            ("拟执业司法鉴定人人数", "Number of appraisers", 1),
            *CONTACT,
        ),
        signer="法定代表人签名并盖章 / Legal representative's signature and seal",
    ),
    ("APPRAISAL-INSTITUTION-ESTABLISH", "EQUIPMENT"): FormSpec(
        columns=(
            ("序号", 10),
            ("仪器设备名称", 40),
            ("型号", 26),
            ("数量", 14),
            ("所有权凭证", 34),
            ("检定／校准", 26),
        ),
        title_zh="仪器设备清单",
        title_en="List of instruments and equipment",
    ),
    ("APPRAISAL-INSTITUTION-ESTABLISH", "APPRAISERS"): FormSpec(
        columns=ROSTER_PEOPLE,
        title_zh="拟执业司法鉴定人名单",
        title_en="List of the appraisers to practise at the institution",
    ),
    ("LEGAL-AID-APPLICATION", "APPLICATION"): FormSpec(
        fields=(
            *PERSON,
            ("工作单位", "Employer", 1),
            ("家庭人口及人均月收入", "Household size and monthly income per head", 1),
            ("对方当事人", "The other party", 1),
            ("申请援助的事项", "Matter legal aid is sought for", 1),
            ("案情及申请理由", "Facts and reasons", 4),
        )
    ),
    ("LEGAL-AID-APPLICATION", "FINANCIAL_STATEMENT"): FormSpec(
        letter=(
            "本人____________（公民身份号码：______________________）申请法律援助，"
            "现就本人及共同生活的家庭成员经济困难状况说明如下，并承诺所述属实："
        ),
        fields=(
            ("共同生活的家庭成员", "Household members", 3),
            ("家庭月收入合计（元）", "Household monthly income (yuan)", 1),
            ("经济困难的情形", "Circumstances of hardship", 4),
        ),
        title_zh="经济困难状况说明表（个人诚信承诺）",
        title_en="Statement of financial hardship (personal undertaking)",
    ),
    ("LEGAL-AID-APPLICATION", "AGENT_AUTHORITY"): FormSpec(
        letter=(
            "委托人____________（公民身份号码：______________________）"
            "因____________________，委托____________（公民身份号码："
            "______________________，与委托人关系：________）代为申请法律援助。"
        ),
        title_zh="代为申请法律援助委托书",
        title_en="Authority to apply for legal aid on another's behalf",
        signer="委托人／受托人签名 / Signatures",
    ),
    ("LEGAL-AID-OBJECTION", "OBJECTION"): FormSpec(
        fields=(
            *PERSON[:4],
            ("联系电话", "Phone", 1),
            ("原决定机构及文号", "Body and number of the decision", 1),
            ("收到决定的日期", "Date the decision was received", 1),
            ("异议请求", "What is sought", 2),
            ("事实和理由", "Facts and reasons", 6),
        ),
        title_zh="法律援助异议申请书",
        title_en="Objection to a legal-aid decision",
    ),
    ("LEGAL-QUALIFICATION", "APPLICATION"): FormSpec(
        fields=(
            *PERSON,
            ("考试年度及准考证号", "Exam year and admission ticket no.", 1),
            ("毕业院校及专业", "University and subject", 1),
            ("工作单位及职务", "Employer and position", 1),
            ("申请资格类别（A／B／C）", "Qualification class applied for", 1),
        ),
        title_zh="法律职业资格申请表",
        title_en="Application for legal professional qualification",
    ),
    ("LEGAL-QUALIFICATION-PROOF", "APPLICATION"): FormSpec(
        fields=(
            *PERSON,
            ("原证书编号", "Number of the certificate", 1),
            ("补办原因（遗失／损毁）", "Reason (lost / damaged)", 1),
            ("情况说明", "Account of the loss or damage", 5),
        )
    ),
    ("ARBITRATION-ESTABLISH", "APPLICATION"): FormSpec(
        fields=(
            ("仲裁委员会名称", "Name of the commission", 1),
            ("住所", "Premises", 1),
            ("组建的市人民政府", "City government forming it", 1),
            ("主任、副主任", "Chair and vice-chairs", 1),
            ("委员人数", "Number of members", 1),
            ("拟聘仲裁员人数", "Number of arbitrators", 1),
            ("经费来源", "Source of funds", 1),
            *CONTACT,
        ),
        signer="市人民政府（盖章）/ Seal of the city government",
    ),
    ("ARBITRATION-ESTABLISH", "ARBITRATORS"): FormSpec(
        columns=(
            ("序号", 10),
            ("姓名", 22),
            ("公民身份号码", 42),
            ("职业、职称", 34),
            ("专业领域", 26),
            ("符合仲裁员条件的情形", 36),
        ),
        title_zh="仲裁员名册",
        title_en="Roster of arbitrators",
    ),
    ("ARBITRATION-DEREGISTER", "APPLICATION"): FormSpec(
        fields=(
            ("仲裁委员会名称", "Name of the commission", 1),
            ("登记证书编号", "Registration certificate no.", 1),
            ("住所", "Premises", 1),
            *CONTACT,
            ("注销原因", "Reason for deregistration", 4),
            ("清算情况", "Liquidation", 4),
        ),
        signer="仲裁委员会（盖章）/ Seal of the commission",
    ),
}
