// The agency flow through a client generated from openapi/openapi.json
// (openapi-typescript types, openapi-fetch calls), type-checked with
// `tsc --strict`: what a dashboard or portal integrator writes.
//
// usage: node out/flow.js BASE_URL   (a server with the demo plans loaded)

import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

declare const process: { argv: string[]; exit(code: number): never };

type Task = components["schemas"]["Task"];
type DateDeadline = components["schemas"]["DateDeadline"];

const base = process.argv[2] ?? "http://127.0.0.1:8080";
const PASSWORD = "khanhhoa-2023";

function check(condition: boolean, message: string): void {
  if (!condition) {
    console.error(`FAILED: ${message}`);
    process.exit(1);
  }
  console.log(`ok: ${message}`);
}

// The JSON answers (and problem documents): the task lists also answer CSV and XLSX
// files, which this flow does not ask for.
type Json = `${string}/${string}json`;

async function login(username: string) {
  const client = createClient<paths, Json>({ baseUrl: base });
  const { data, response } = await client.POST("/api/v1/auth/token", {
    body: { username, password: PASSWORD },
  });
  check(response.status === 200 && data !== undefined, `${username} logs in`);
  return createClient<paths, Json>({
    baseUrl: base,
    headers: { Authorization: `Bearer ${data!.access_token}` },
  });
}

async function main(): Promise<void> {
  const coordinator = await login("sonoivu");
  const plans = await coordinator.GET("/api/v1/plans", { params: { query: { year: 2023 } } });
  const plan = plans.data?.items[0];
  check(plan?.code === "CCHC-2023", "the 2023 demo plan is listed");
  const agencies = await coordinator.GET("/api/v1/agencies", { params: { query: { limit: 200 } } });
  const byCode = new Map((agencies.data?.items ?? []).map((a) => [a.code, a]));
  const snv = byCode.get("SNV");
  const stttt = byCode.get("STTTT");
  check(snv !== undefined && stttt !== undefined, "the agencies are listed");

  const code = "TS" + Math.random().toString(36).slice(2, 8).toUpperCase();
  const deadline: DateDeadline = { kind: "date", value: "2023-06-30" };
  const created = await coordinator.POST("/api/v1/plans/{id}/tasks", {
    params: { path: { id: plan!.id } },
    body: {
      code,
      title: "Rà soát quy trình nội bộ giải quyết thủ tục hành chính",
      area: "admin_procedure",
      lead_agency_id: snv!.id,
      supporting_agency_ids: [stttt!.id],
      deadline,
      expected_output: "Báo cáo kết quả rà soát",
    },
  });
  check(created.response.status === 201 && created.data !== undefined, `the coordinator creates task ${code}`);
  const task: Task = created.data!;
  check(created.response.headers.get("location") === `/api/v1/tasks/${task.id}`, "the new task is located");
  check(task.deadline.label === "30/6/2023", "the label is written as Nghị định 30/2020 says");

  const officer = await login("snv");
  const overdue = await officer.GET("/api/v1/tasks", {
    params: {
      query: { agency_id: snv!.id, agency_role: "lead", overdue: true, as_of: "2023-09-30", limit: 200 },
    },
  });
  const mine = (overdue.data?.items ?? []).filter((t) => t.id === task.id);
  check(mine.length === 1 && mine[0]?.days_overdue === 92, "the new task is 92 days overdue on 30/9/2023");

  // the signed report itself: uploaded as multipart/form-data, cited, downloaded
  const signed = new TextEncoder().encode("%PDF-1.4\n% TypeScript client flow\n" + "x".repeat(5000) + "\n%%EOF\n");
  const form = new FormData();
  form.append("file", new Blob([signed], { type: "application/pdf" }), "Báo cáo 215-BC-SNV.pdf");
  const uploaded = await officer.POST("/api/v1/files", {
    body: { file: "" },
    bodySerializer: () => form,
  });
  check(uploaded.response.status === 201 && uploaded.data?.content_type === "application/pdf", "the officer uploads the signed PDF");
  check(uploaded.data?.name === "Báo cáo 215-BC-SNV.pdf" && uploaded.data?.size === signed.length, "kept under its name, whole");

  const key = crypto.randomUUID();
  const report = {
    progress_percent: 60,
    summary: "Đã rà soát 120 quy trình nội bộ; đang tổng hợp báo cáo.",
    evidence: [
      {
        document_number: "215/BC-SNV",
        issued_on: "2023-10-05",
        issuer: "Sở Nội vụ",
        title: "Báo cáo tiến độ rà soát",
        url: null,
        file_id: uploaded.data!.id,
      },
    ],
  };
  const first = await officer.POST("/api/v1/tasks/{id}/reports", {
    params: { path: { id: task.id }, header: { "Idempotency-Key": key } },
    body: report,
  });
  const retry = await officer.POST("/api/v1/tasks/{id}/reports", {
    params: { path: { id: task.id }, header: { "Idempotency-Key": key } },
    body: report,
  });
  check(first.response.status === 201 && retry.response.status === 201, "the report is accepted, and its retry too");
  check(retry.response.headers.get("idempotency-replayed") === "true", "the retry says it is a replay");
  check(first.data?.id === retry.data?.id, "the retry returns the first report");
  check(first.data?.evidence[0]?.file?.id === uploaded.data!.id, "the evidence shows its file");
  const downloaded = await coordinator.GET("/api/v1/files/{id}", {
    params: { path: { id: uploaded.data!.id } },
    parseAs: "arrayBuffer",
  });
  const bytes = new Uint8Array((downloaded.data as ArrayBuffer | undefined) ?? new ArrayBuffer(0));
  check(
    downloaded.response.status === 200 && bytes.length === signed.length && bytes.every((b, i) => b === signed[i]),
    "the coordinator downloads it byte for byte",
  );

  const claim = await officer.POST("/api/v1/tasks/{id}/completion", {
    params: { path: { id: task.id } },
    body: { completed_on: "2023-10-20", summary: "Đã hoàn thành rà soát", evidence: [] },
  });
  check(claim.response.status === 201 && claim.data?.task_status === "submitted", "the agency claims completion");
  const refused = await officer.POST("/api/v1/tasks/{id}/review", {
    params: { path: { id: task.id } },
    body: { decision: "accept" },
  });
  check(refused.response.status === 403 && refused.error?.status === 403, "the agency cannot review its own claim");
  const accepted = await coordinator.POST("/api/v1/tasks/{id}/review", {
    params: { path: { id: task.id } },
    body: { decision: "accept", comment: "Đạt yêu cầu" },
  });
  check(accepted.response.status === 200 && accepted.data?.status === "completed", "the coordinator accepts");

  const history = await coordinator.GET("/api/v1/tasks/{id}/history", { params: { path: { id: task.id } } });
  const changes: Record<string, unknown> | undefined = history.data?.items[0]?.changes;
  check(changes !== undefined, "history entries carry their changes as an object");
  console.log("TypeScript client flow: all checks passed");
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
