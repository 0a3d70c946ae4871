"""Drives the agency flow end to end with the Python client generated from
openapi/openapi.json, against a live server with the demo plan loaded.

usage: python client_flow.py BASE_URL   (the generated package `client` on sys.path)
"""

import datetime
import hashlib
import io
import sys
import uuid

from client import AuthenticatedClient, Client
from client.api.agencies import list_agencies
from client.api.auth import issue_token, me
from client.api.files import download_file, upload_file
from client.api.plans import list_plans
from client.api.reports import create_report, list_reports
from client.api.tasks import create_task, get_task, list_tasks
from client.api.workflow import claim_completion, review_completion
from client.models import (
    AgencyRole,
    CreateCompletionClaim,
    CreateReport,
    CreateTask,
    DateDeadline,
    DateDeadlineKind,
    Evidence,
    Problem,
    ReformArea,
    ReviewDecision,
    ReviewRequest,
    TokenRequest,
    UploadForm,
)
from client.types import File

PASSWORD = "khanhhoa-2023"


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAILED: {message}")
    print(f"ok: {message}")


def login(base_url, username):
    response = issue_token.sync_detailed(client=Client(base_url=base_url), body=TokenRequest(username=username, password=PASSWORD))
    check(response.status_code == 200, f"{username} logs in")
    return AuthenticatedClient(base_url=base_url, token=response.parsed.access_token)


def main(base_url):
    coordinator = login(base_url, "sonoivu")
    plan = list_plans.sync(client=coordinator, year=2023).items[0]
    check(plan.code == "CCHC-2023", "the demo plan is listed")
    agencies = {a.code: a for a in list_agencies.sync(client=coordinator, limit=200).items}
    snv = agencies["SNV"]

    # the coordinator adds a task to the 2023 plan, due mid-year, led by Sở Nội vụ
    code = "CI" + uuid.uuid4().hex[:6].upper()
    created = create_task.sync_detailed(
        plan.id,
        client=coordinator,
        body=CreateTask(
            code=code,
            title="Rà soát quy trình nội bộ giải quyết thủ tục hành chính",
            area=ReformArea.ADMIN_PROCEDURE,
            lead_agency_id=snv.id,
            supporting_agency_ids=[agencies["STTTT"].id],
            deadline=DateDeadline(kind=DateDeadlineKind.DATE, value=datetime.date(2023, 6, 30)),
            expected_output="Báo cáo kết quả rà soát",
        ),
    )
    check(created.status_code == 201, f"the coordinator creates task {code}")
    task = created.parsed
    check(task.deadline.label == "30/6/2023", "the deadline carries its Vietnamese label")

    # the agency officer finds it among the agency's overdue tasks as of 30/09/2023
    officer = login(base_url, "snv")
    check(me.sync(client=officer).agency_id == snv.id, "the officer speaks for Sở Nội vụ")
    overdue, cursor = [], None
    while True:
        page = list_tasks.sync(
            client=officer,
            agency_id=snv.id,
            agency_role=AgencyRole.LEAD,
            overdue=True,
            as_of=datetime.date(2023, 9, 30),
            limit=20,
            cursor=cursor,
        )
        overdue.extend(page.items)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    mine = [t for t in overdue if t.id == task.id]
    check(len(mine) == 1 and mine[0].days_overdue == 92, "the new task is 92 days overdue on 30/09/2023")
    check(all(t.lead_agency.code == "SNV" and t.overdue for t in overdue), "every listed task is SNV's and overdue")

    # the signed report itself, uploaded and cited beside its link
    signed = b"%PDF-1.4\n% CI client flow\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
    uploaded = upload_file.sync_detailed(
        client=officer,
        body=UploadForm(file=File(payload=io.BytesIO(signed), file_name="Báo cáo 215-BC-SNV.pdf", mime_type="application/pdf")),
    )
    check(uploaded.status_code == 201 and uploaded.parsed.sha256 == hashlib.sha256(signed).hexdigest(), "the officer uploads the signed PDF")
    check(uploaded.parsed.name == "Báo cáo 215-BC-SNV.pdf" and uploaded.parsed.content_type == "application/pdf", "kept under its name, as a PDF")

    # a progress report with evidence, sent twice with one Idempotency-Key
    report_body = CreateReport(
        progress_percent=60,
        summary="Đã rà soát 120 quy trình nội bộ; đang tổng hợp báo cáo.",
        evidence=[
            Evidence(
                document_number="215/BC-SNV",
                issued_on=datetime.date(2023, 10, 5),
                issuer="Sở Nội vụ",
                title="Báo cáo tiến độ rà soát",
                url="https://sonoivu.khanhhoa.gov.vn/bc-215",
                file_id=uploaded.parsed.id,
            )
        ],
    )
    key = str(uuid.uuid4())
    first = create_report.sync_detailed(task.id, client=officer, body=report_body, idempotency_key=key)
    retry = create_report.sync_detailed(task.id, client=officer, body=report_body, idempotency_key=key)
    check(first.status_code == 201 and retry.status_code == 201, "the report is accepted, and its retry too")
    check(first.parsed.id == retry.parsed.id, "the retry returns the first report")
    reports = list_reports.sync(task.id, client=officer).items
    check(len(reports) == 1 and reports[0].evidence[0].document_number == "215/BC-SNV", "one report, with its evidence")
    check(get_task.sync(task.id, client=officer).status.value == "in_progress", "the lead's report starts the task")
    check(reports[0].evidence[0].file.id == uploaded.parsed.id, "the evidence shows its file")
    downloaded = download_file.sync_detailed(uploaded.parsed.id, client=coordinator)
    check(downloaded.status_code == 200 and downloaded.content == signed, "the coordinator downloads it byte for byte")

    # completion claimed by the agency, accepted by the coordinator
    claim = claim_completion.sync_detailed(
        task.id,
        client=officer,
        body=CreateCompletionClaim(completed_on=datetime.date(2023, 10, 20), summary="Đã hoàn thành rà soát", evidence=[]),
    )
    check(claim.status_code == 201 and claim.parsed.task_status.value == "submitted", "the agency claims completion")
    refused = review_completion.sync_detailed(task.id, client=officer, body=ReviewRequest(decision=ReviewDecision.ACCEPT))
    check(refused.status_code == 403 and isinstance(refused.parsed, Problem), "the agency cannot review its own claim")
    accepted = review_completion.sync_detailed(
        task.id, client=coordinator, body=ReviewRequest(decision=ReviewDecision.ACCEPT, comment="Đạt yêu cầu")
    )
    check(accepted.status_code == 200, "the coordinator accepts")
    final = get_task.sync(task.id, client=coordinator)
    check(final.status.value == "completed" and final.completed_on == datetime.date(2023, 10, 20), "the task is completed on 20/10/2023")
    print("client flow: all checks passed")


if __name__ == "__main__":
    main(sys.argv[1])
