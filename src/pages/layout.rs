//! The frame of every page: the header with its navigation, the style sheet.

use maud::{html, Markup, DOCTYPE};

use super::{csrf_field, WebUser};
use crate::domain::enums::Role;
use crate::domain::policy::Principal;

/// The pages a navigation bar may link to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Overview,
    Tasks,
    MyAgency,
    Queue,
    Inspect,
}

/// Where a signed-in user starts: an officer at its agency's tasks, the
/// coordinator at the queue, the inspector at the inspection page.
pub fn start_page(principal: &Principal) -> &'static str {
    match principal.role {
        Role::AgencyOfficer if principal.agency_id.is_some() => "/co-quan",
        Role::Coordinator | Role::Admin => "/hang-cho",
        Role::Inspector => "/kiem-tra",
        Role::AgencyOfficer => "/nhiem-vu",
    }
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · Theo dõi kế hoạch CCHC" }
            link rel="stylesheet" href="/static/site.css";
        }
    }
}

/// A page without navigation (login, errors).
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="vi" {
            (head(title))
            body {
                header { a.brand href="/" { "Kế hoạch CCHC" } }
                main id="noi-dung" { (body) }
            }
        }
    }
}

/// A page of a signed-in user, with the navigation its role uses.
pub fn frame(user: &WebUser, current: Nav, title: &str, body: Markup) -> Markup {
    let p = &user.principal;
    let officer = p.role == Role::AgencyOfficer && p.agency_id.is_some();
    let reviewer = matches!(p.role, Role::Coordinator | Role::Admin | Role::Inspector) || officer;
    let link = |nav: Nav, href: &str, text: &str| {
        html! {
            li {
                @if nav == current {
                    a href=(href) aria-current="page" { strong { (text) } }
                } @else {
                    a href=(href) { (text) }
                }
            }
        }
    };
    html! {
        (DOCTYPE)
        html lang="vi" {
            (head(title))
            body {
                a.skip href="#noi-dung" { "Bỏ qua, đến nội dung chính" }
                header {
                    nav aria-label="Chính" {
                        ul {
                            li { a.brand href="/" { "Kế hoạch CCHC" } }
                            (link(Nav::Overview, "/tong-quan", "Tổng quan"))
                            (link(Nav::Tasks, "/nhiem-vu", "Nhiệm vụ"))
                            @if officer { (link(Nav::MyAgency, "/co-quan", "Cơ quan tôi")) }
                            @if reviewer { (link(Nav::Queue, "/hang-cho", "Hàng chờ")) }
                            (link(Nav::Inspect, "/kiem-tra", "Kiểm tra"))
                            li {
                                form method="post" action="/dang-xuat" {
                                    (csrf_field(&user.csrf_token))
                                    span { (p.username) " " }
                                    button type="submit" { "Đăng xuất" }
                                }
                            }
                        }
                    }
                }
                main id="noi-dung" { (body) }
            }
        }
    }
}
