//! Scale check (ignored by default; run with
//! `cargo test --release --test api scale -- --ignored --nocapture`):
//! generates a country-sized dataset and prints PostgreSQL's plans and timings
//! for the task list queries, so index use can be checked as data grows.

use chrono::NaiveDate;
use diesel::RunQueryDsl;

use crate::common::TestApp;
use par_tracker::domain::enums::{AgencyRole, TaskSort};
use par_tracker::domain::ids::{AgencyId, PlanId};
use par_tracker::service::tasks::TaskPosition;
use par_tracker::store::tasks::{explain_view, list_view, Keeping, TaskFilter, TaskKey};
use par_tracker::store::After;

const PLANS: i64 = 2_000;
const TASKS_PER_PLAN: i64 = 500;
const AGENCIES: i64 = 10_000;

fn generate(app: &TestApp) {
    let mut conn = app.pool().get().unwrap();
    let statements = [
        format!("INSERT INTO agencies (id, code, name, kind) SELECT gen_random_uuid(), 'A' || g, 'Xã số ' || g, 'commune' FROM generate_series(1, {AGENCIES}) g"),
        format!("INSERT INTO plans (id, code, year, title) SELECT gen_random_uuid(), 'P' || g, 2021 + g % 10, 'Kế hoạch ' || g FROM generate_series(1, {PLANS}) g"),
        "CREATE TEMP TABLE a AS SELECT id, row_number() OVER (ORDER BY code) AS n FROM agencies".to_string(),
        "CREATE TEMP TABLE p AS SELECT id, year, row_number() OVER (ORDER BY code) AS n FROM plans".to_string(),
        format!(
            "INSERT INTO tasks (id, plan_id, code, title, area, lead_agency_id, deadline_kind, deadline_value, deadline_label,
                                original_due_on, due_on, expected_output, status, progress_percent, completed_on, search_text)
             SELECT gen_random_uuid(), p.id, 'NV' || t, 'Nhiệm vụ số ' || t || CASE WHEN t % 97 = 0 THEN ' đăng ký kinh doanh' ELSE '' END,
                    (ARRAY['direction','institution','admin_procedure','organisation','civil_service','public_finance','digital_government'])[1 + t % 7],
                    a.id, 'date', to_char(d, 'YYYY-MM-DD'), to_char(d, 'DD/MM/YYYY'), d, d, 'Báo cáo',
                    CASE WHEN t % 3 = 0 THEN 'completed' ELSE 'in_progress' END, CASE WHEN t % 3 = 0 THEN 100 ELSE 50 END,
                    CASE WHEN t % 3 = 0 THEN d + (t % 20 - 10) ELSE NULL END,
                    'nv' || t || ' nhiem vu so ' || t || CASE WHEN t % 97 = 0 THEN ' dang ky kinh doanh' ELSE '' END
             FROM p CROSS JOIN generate_series(1, {TASKS_PER_PLAN}) t
             JOIN a ON a.n = 1 + (p.n * 7919 + t * 104729) % {AGENCIES}
             CROSS JOIN LATERAL (SELECT make_date(p.year, 1 + t % 12, 1 + t % 28) AS d) dd"
        ),
        format!(
            "INSERT INTO task_supporting_agencies (task_id, agency_id)
             SELECT t.id, a.id FROM tasks t JOIN a ON a.n = 1 + (abs(hashtext(t.id::text)) % {AGENCIES}) WHERE a.id <> t.lead_agency_id"
        ),
        "ANALYZE".to_string(),
    ];
    for sql in statements {
        let started = std::time::Instant::now();
        diesel::sql_query(&sql)
            .execute(&mut conn)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        println!(
            "{:>8.1}s  {}",
            started.elapsed().as_secs_f64(),
            sql.split_whitespace().take(4).collect::<Vec<_>>().join(" ")
        );
    }
}

#[actix_web::test]
#[ignore = "generates a million tasks; run by hand, see the module comment"]
async fn task_queries_stay_flat_at_scale() {
    let app = TestApp::empty().await;
    generate(&app);
    let mut conn = app.pool().get().unwrap();
    let tasks = app.count("SELECT count(*) AS n FROM tasks");
    println!("tasks: {tasks}");
    let plan = uuid::Uuid::parse_str(&{
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::Text)]
            id: String,
        }
        diesel::sql_query("SELECT id::text AS id FROM plans WHERE code = 'P777'")
            .get_result::<Id>(&mut conn)
            .unwrap()
            .id
    })
    .unwrap();
    let agency = uuid::Uuid::parse_str(&app.agency_id("A4242")).unwrap();
    let as_of = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    let base = TaskFilter::as_of(as_of);

    let mut in_plan = base.clone();
    in_plan.plan_id = Some(PlanId(plan));
    let mut overdue_everywhere = base.clone();
    overdue_everywhere.overdue = Some(true);
    let mut overdue_in_plan = in_plan.clone();
    overdue_in_plan.overdue = Some(true);
    let mut led = base.clone();
    led.agency = Some((AgencyId(agency), AgencyRole::Lead));
    let mut any_role = base.clone();
    any_role.agency = Some((AgencyId(agency), AgencyRole::Any));
    let mut search = base.clone();
    search.search_pattern = Some("%dang ky%".into());
    let mut search_nothing = base.clone();
    search_nothing.search_pattern = Some("%khong co dau%".into());

    // a cursor deep into the plan's list
    let page = list_view(
        &mut conn,
        &in_plan,
        TaskSort::DueOn,
        None,
        Some(400),
        Keeping::Never,
    )
    .unwrap();
    let deep = After {
        key: TaskKey::of(page.last().unwrap(), TaskSort::DueOn),
        id: page.last().unwrap().task.id,
    };

    let cases: Vec<(&str, &TaskFilter, TaskSort, Option<&TaskPosition>)> = vec![
        (
            "plan, first page by due_on",
            &in_plan,
            TaskSort::DueOn,
            None,
        ),
        (
            "plan, page after row 400",
            &in_plan,
            TaskSort::DueOn,
            Some(&deep),
        ),
        (
            "plan, overdue by -days_overdue",
            &overdue_in_plan,
            TaskSort::DaysOverdueDesc,
            None,
        ),
        (
            "all plans, overdue by due_on",
            &overdue_everywhere,
            TaskSort::DueOn,
            None,
        ),
        ("agency as lead", &led, TaskSort::DueOn, None),
        (
            "agency as lead or supporting",
            &any_role,
            TaskSort::DueOn,
            None,
        ),
        ("search 'dang ky'", &search, TaskSort::DueOn, None),
        (
            "search 'khong co dau' (no task matches)",
            &search_nothing,
            TaskSort::DueOn,
            None,
        ),
        (
            "everything by -updated_at",
            &base,
            TaskSort::UpdatedAtDesc,
            None,
        ),
    ];
    // ANALYZE, as autovacuum would have by the time a real database is this big
    diesel::sql_query("ANALYZE").execute(&mut conn).unwrap();
    for (name, filter, sort, after) in cases {
        // The statement as the API runs it: prepared on the pool's connection
        // and planned once (a generic plan; a search is planned for its words),
        // timed over 40 runs after 5 to warm up.
        let mut times: Vec<f64> = (0..45)
            .map(|_| {
                let started = std::time::Instant::now();
                let rows =
                    list_view(&mut conn, filter, sort, after, Some(51), Keeping::Never).unwrap();
                assert!(rows.len() <= 51);
                started.elapsed().as_secs_f64() * 1000.0
            })
            .skip(5)
            .collect();
        times.sort_by(f64::total_cmp);
        println!(
            "\n=== {name}: as the API runs it: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
            times[times.len() / 2],
            times[times.len() * 95 / 100],
            times[times.len() - 1]
        );
        let plan = explain_view(&mut conn, filter, sort, after, Some(51)).unwrap();
        let time = plan
            .iter()
            .find(|l| l.starts_with("Execution Time"))
            .cloned()
            .unwrap_or_default();
        println!("    EXPLAIN ANALYZE with these values: {time}");
        for line in plan
            .iter()
            .filter(|l| l.contains("Scan") || l.contains("Sort") || l.contains("Limit"))
            .take(8)
        {
            println!("  {line}");
        }
    }
}
