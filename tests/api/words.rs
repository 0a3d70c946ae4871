//! Words as the province's documents write them: the six reform areas beside the
//! direction section, dates as Nghị định 30/2020 writes them, the agency groups.

use serde_json::json;

use crate::actors::{path, Actor};
use crate::bodies::{PlanBody, TaskBody};
use crate::common::{JsonExt, TestApp};
use crate::demo::{self, STP};

#[actix_web::test]
async fn six_reform_areas_and_the_direction_section() {
    let app = TestApp::demo().await;
    let areas = Actor::inspector(&app).get("/api/v1/areas").await.ok();
    let areas = areas.as_array().unwrap();
    assert_eq!(areas.len(), demo::AREAS);
    let reform: Vec<&str> = areas
        .iter()
        .filter(|a| a["is_reform_area"] == true)
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        reform,
        [
            "institution",
            "admin_procedure",
            "organisation",
            "civil_service",
            "public_finance",
            "digital_government"
        ]
    );
    assert_eq!(areas[0]["code"], "direction");
    assert_eq!(areas[0]["is_reform_area"], false);
    assert_eq!(
        areas[6]["name"],
        "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số"
    );
}

#[actix_web::test]
async fn dates_in_labels_follow_nghi_dinh_30() {
    let app = TestApp::demo().await;
    let coordinator = Actor::coordinator(&app);
    let plan = coordinator.create_plan(&PlanBody::year(2024)).await.id();
    for (i, (value, label)) in [
        (json!({"kind": "date", "value": "2023-04-02"}), "02/4/2023"),
        (json!({"kind": "date", "value": "2023-09-30"}), "30/9/2023"),
        (json!({"kind": "date", "value": "2024-01-31"}), "31/01/2024"),
        (
            json!({"kind": "month", "value": "2024-01"}),
            "Tháng 01/2024",
        ),
        (
            json!({"kind": "month", "value": "2024-10"}),
            "Tháng 10/2024",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let body = TaskBody::new(&format!("ND{i}")).deadline(value).lead(STP);
        let task = coordinator.create_task(&plan, &body).await;
        assert_eq!(task["deadline"]["label"], label);
        let read = Actor::inspector(&app)
            .get(&path::task(&task.id()))
            .await
            .ok();
        assert_eq!(read["deadline"]["label"], label);
    }
}

#[actix_web::test]
async fn public_service_units_are_an_agency_kind() {
    let app = TestApp::demo().await;
    let created = Actor::admin(&app)
        .post(
            "/api/v1/agencies",
            &json!({"code": "TTPVHCC", "name": "Trung tâm Phục vụ hành chính công tỉnh", "kind": "public_service_unit"}),
        )
        .await
        .created();
    assert_eq!(created["kind"], "public_service_unit");
}
