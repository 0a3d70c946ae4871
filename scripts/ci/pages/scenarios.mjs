// The web pages (issue 15) driven by a real browser: playwright-core with
// Debian's chromium. Each scenario uses its own browser context (its own
// cookies); screenshots at 1280 and 360 px wide go to SHOTS_DIR.
//
// usage: CHROMIUM=/usr/bin/chromium node scenarios.mjs BASE_URL SHOTS_DIR
//        (a server with the demo plans loaded)

import { chromium } from "playwright-core";

const base = process.argv[2] ?? "http://127.0.0.1:8080";
const shots = process.argv[3] ?? "target/pages-screenshots";
const PASSWORD = "khanhhoa-2023";

function check(condition, message) {
  if (!condition) {
    console.error(`FAILED: ${message}`);
    process.exit(1);
  }
  console.log(`ok: ${message}`);
}

// --- setup through the API: a plan of its own, so the demo's figures stay as they are
async function api(method, path, token, body) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

async function token(username) {
  const pair = await api("POST", "/api/v1/auth/token", null, { username, password: PASSWORD });
  return pair.access_token;
}

async function setup() {
  const coordinator = await token("sonoivu");
  const agencies = await api("GET", "/api/v1/agencies?limit=200", coordinator);
  const stp = agencies.items.find((a) => a.code === "STP");
  const suffix = Math.random().toString(36).slice(2, 7).toUpperCase();
  const plan = await api("POST", "/api/v1/plans", coordinator, {
    code: `WEB-${suffix}`,
    year: 2024,
    title: "Kế hoạch thử trang web",
  });
  const task = async (code) =>
    api("POST", `/api/v1/plans/${plan.id}/tasks`, coordinator, {
      code,
      title: `Nhiệm vụ ${code}: rà soát thủ tục hành chính`,
      area: "admin_procedure",
      lead_agency_id: stp.id,
      supporting_agency_ids: [],
      deadline: { kind: "ongoing" },
      expected_output: "Báo cáo kết quả rà soát",
    });
  const reported = await task("WEB1");
  const claimed = await task("WEB2");
  const officer = await token("stp");
  await api("POST", `/api/v1/tasks/${claimed.id}/completion`, officer, {
    completed_on: "2024-06-20",
    summary: "Đã ban hành quyết định công bố",
    evidence: [],
  });
  const plans = await api("GET", "/api/v1/plans?year=2023", coordinator);
  const demo = plans.items[0];
  await api("PATCH", `/api/v1/plans/${demo.id}`, coordinator, { public: true });
  return { plan, reported, claimed, demo };
}

// --- the browser
async function shoot(page, name) {
  for (const width of [1280, 360]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `${shots}/${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function logIn(browser, username) {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto("/dang-nhap");
  await page.getByLabel("Tên đăng nhập").fill(username);
  await page.getByLabel("Mật khẩu").fill(PASSWORD);
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.waitForLoadState();
  check(!page.url().endsWith("/dang-nhap"), `${username} logs in (at ${new URL(page.url()).pathname})`);
  return { context, page };
}

async function main() {
  const data = await setup();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    // CI runs as root, where chromium's sandbox cannot start
    args: ["--no-sandbox"],
  });
  try {
    // 1. the officer posts a report through the form and sees it on the task page
    const officer = await logIn(browser, "stp");
    const page = officer.page;
    await page.goto(`/nhiem-vu/${data.reported.id}`);
    await page.getByLabel("Tiến độ (%)").fill("60");
    await page.getByLabel("Nội dung báo cáo").fill("Đã rà soát 120 thủ tục hành chính");
    await page.getByRole("button", { name: "Gửi báo cáo" }).click();
    await page.waitForLoadState();
    const posted = await page.content();
    check(posted.includes("Sở Tư pháp báo cáo tiến độ 60%"), "the report shows on the task page");
    await shoot(page, "task");

    // 2. a form error shows beside its field
    await page.getByLabel("Tiến độ (%)").fill("150");
    await page.getByLabel("Nội dung báo cáo").fill("Thử một con số sai");
    await page.getByRole("button", { name: "Gửi báo cáo" }).click();
    await page.waitForLoadState();
    const error = page.locator('p.error[data-field="progress_percent"]');
    check((await error.textContent())?.includes("between 0 and 100") === true, "the error shows beside the field");
    const described = await page.getByLabel("Tiến độ (%)").getAttribute("aria-describedby");
    check(described === (await error.getAttribute("id")), "the field is described by its error");
    await shoot(page, "report-error");

    // 3. a POST without the CSRF token is refused
    const forged = await officer.context.request.post(`/nhiem-vu/${data.reported.id}/bao-cao`, {
      form: { progress_percent: "70", summary: "không có mã CSRF" },
      maxRedirects: 0,
    });
    check(forged.status() === 403, `a form without the CSRF token is refused (${forged.status()})`);

    // 4. logout, then back: the login page
    await page.goto(`/nhiem-vu/${data.reported.id}`);
    await page.getByRole("button", { name: "Đăng xuất" }).click();
    await page.waitForURL("**/dang-nhap");
    await page.goBack();
    await page.waitForLoadState();
    check(new URL(page.url()).pathname === "/dang-nhap", `back after logout shows the login page (${page.url()})`);
    check((await page.locator("h1").textContent()) === "Đăng nhập", "the login form is shown");
    await shoot(page, "login");
    await officer.context.close();

    // 5. the coordinator accepts the claim from the queue; the task shows completed
    const coordinator = await logIn(browser, "sonoivu");
    const queue = coordinator.page;
    await queue.goto("/hang-cho");
    await shoot(queue, "queue");
    const card = queue.locator("#de-nghi-WEB2");
    await card.getByRole("button", { name: "Công nhận hoàn thành" }).click();
    await queue.waitForLoadState();
    await queue.goto(`/nhiem-vu/${data.claimed.id}`);
    check((await queue.content()).includes("Đã hoàn thành"), "the task shows completed");
    await queue.goto("/tong-quan");
    await shoot(queue, "overview");
    await coordinator.context.close();

    // 6. the inspector filters overdue as of 30/9/2023 and sees 11
    const inspector = await logIn(browser, "thanhtra");
    const inspect = inspector.page;
    await inspect.goto("/kiem-tra");
    await inspect.getByLabel("Tính đến ngày", { exact: true }).fill("2023-09-30");
    await inspect.getByRole("button", { name: "Xem" }).click();
    await inspect.waitForLoadState();
    const count = (await inspect.locator("#so-qua-han").textContent())?.trim();
    check(count === "11", `11 tasks overdue on 30/9/2023 (${count})`);
    await shoot(inspect, "inspection");
    await inspector.context.close();

    // 7. a public plan's page loads without login; a private plan's is 404
    const anyone = await browser.newContext({ baseURL: base });
    const open = await anyone.newPage();
    const shown = await open.goto(`/cong-khai/${data.demo.id}`);
    check(shown?.status() === 200, "the public plan's page loads without login");
    check((await open.content()).includes("Đã hoàn thành đúng hạn"), "its tasks show their status");
    await shoot(open, "public");
    const closed = await open.goto(`/cong-khai/${data.plan.id}`);
    check(closed?.status() === 404, "a private plan's page is 404");
    await anyone.close();
  } finally {
    await browser.close();
  }
  console.log("pages: all scenarios passed");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
