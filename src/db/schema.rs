// Diesel table definitions for migrations/; kept in step with the SQL by hand
// and checked by the migration test (a query touching every column).

diesel::table! {
    reform_areas (code) {
        code -> Text,
        name -> Text,
        position -> Int4,
        is_reform_area -> Bool,
    }
}

diesel::table! {
    agencies (id) {
        id -> Uuid,
        code -> Text,
        name -> Text,
        kind -> Text,
        parent_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        valid_from -> Nullable<Date>,
        valid_to -> Nullable<Date>,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        agency_id -> Nullable<Uuid>,
        active -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        credential_version -> Int4,
        email -> Nullable<Text>,
    }
}

diesel::table! {
    plans (id) {
        id -> Uuid,
        code -> Text,
        year -> Int4,
        title -> Text,
        programme -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        public -> Bool,
    }
}

diesel::table! {
    objectives (id) {
        id -> Uuid,
        plan_id -> Uuid,
        code -> Text,
        title -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    tasks (id) {
        id -> Uuid,
        plan_id -> Uuid,
        code -> Text,
        title -> Text,
        area -> Text,
        objective_id -> Nullable<Uuid>,
        lead_agency_id -> Uuid,
        deadline_kind -> Text,
        deadline_value -> Nullable<Text>,
        deadline_label -> Text,
        original_due_on -> Date,
        due_on -> Date,
        expected_output -> Text,
        status -> Text,
        progress_percent -> Int2,
        completed_on -> Nullable<Date>,
        search_text -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    task_supporting_agencies (task_id, agency_id) {
        task_id -> Uuid,
        agency_id -> Uuid,
    }
}

diesel::table! {
    progress_reports (id) {
        id -> Uuid,
        task_id -> Uuid,
        agency_id -> Uuid,
        author_id -> Uuid,
        progress_percent -> Int2,
        summary -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    completion_claims (id) {
        id -> Uuid,
        task_id -> Uuid,
        agency_id -> Uuid,
        author_id -> Uuid,
        completed_on -> Date,
        summary -> Text,
        status -> Text,
        reviewer_id -> Nullable<Uuid>,
        reviewed_at -> Nullable<Timestamptz>,
        review_comment -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    evidence_documents (id) {
        id -> Uuid,
        report_id -> Nullable<Uuid>,
        completion_claim_id -> Nullable<Uuid>,
        position -> Int2,
        document_number -> Text,
        issued_on -> Date,
        issuer -> Text,
        title -> Text,
        url -> Nullable<Text>,
        finding_remedy_id -> Nullable<Uuid>,
        file_id -> Nullable<Uuid>,
        extension_request_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    files (id) {
        id -> Uuid,
        name -> Text,
        content_type -> Text,
        size -> Int8,
        sha256 -> Text,
        uploaded_by -> Uuid,
        agency_id -> Nullable<Uuid>,
        uploaded_at -> Timestamptz,
    }
}

diesel::table! {
    file_blobs (sha256) {
        sha256 -> Text,
        size -> Int8,
    }
}

diesel::table! {
    file_chunks (sha256, seq) {
        sha256 -> Text,
        seq -> Int4,
        data -> Bytea,
    }
}

diesel::table! {
    extension_requests (id) {
        id -> Uuid,
        task_id -> Uuid,
        requested_by -> Uuid,
        previous_due_on -> Date,
        requested_due_on -> Date,
        reason -> Text,
        status -> Text,
        decided_by -> Nullable<Uuid>,
        decided_at -> Nullable<Timestamptz>,
        decided_on -> Nullable<Date>,
        decision_comment -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Int8,
        occurred_at -> Timestamptz,
        actor_id -> Nullable<Uuid>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Uuid,
        task_id -> Nullable<Uuid>,
        changes -> Jsonb,
        inspection_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    web_sessions (token_hash) {
        token_hash -> Text,
        user_id -> Uuid,
        credential_version -> Int4,
        csrf_token -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        family_id -> Uuid,
        token_hash -> Text,
        issued_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    idempotency_records (user_id, scope, idempotency_key) {
        user_id -> Uuid,
        scope -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        response_status -> Int2,
        response_body -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    login_failures (subject) {
        subject -> Text,
        failures -> Int4,
        window_start -> Timestamptz,
        locked_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    app_settings (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    reporting_periods (id) {
        id -> Uuid,
        plan_id -> Uuid,
        kind -> Text,
        value -> Text,
        label -> Text,
        data_from -> Date,
        data_to -> Date,
        report_due_on -> Date,
        status -> Text,
        closed_at -> Nullable<Timestamptz>,
        closed_by -> Nullable<Uuid>,
        frozen_summary -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    agency_period_reports (period_id, agency_id) {
        period_id -> Uuid,
        agency_id -> Uuid,
        status -> Text,
        document_number -> Nullable<Text>,
        issued_on -> Nullable<Date>,
        results -> Text,
        limitations -> Text,
        causes -> Text,
        next_steps -> Text,
        author_id -> Uuid,
        first_submitted_at -> Nullable<Timestamptz>,
        submitted_at -> Nullable<Timestamptz>,
        reviewer_id -> Nullable<Uuid>,
        reviewed_at -> Nullable<Timestamptz>,
        review_comment -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        file_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    indicators (id) {
        id -> Uuid,
        plan_id -> Uuid,
        code -> Text,
        name -> Text,
        unit -> Text,
        direction -> Text,
        target_value -> Nullable<Float8>,
        target_out_of -> Nullable<Int4>,
        responsible_agency_id -> Nullable<Uuid>,
        aggregation -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    indicator_observations (indicator_id, period_id) {
        indicator_id -> Uuid,
        period_id -> Uuid,
        agency_id -> Nullable<Uuid>,
        value -> Float8,
        numerator -> Nullable<Float8>,
        denominator -> Nullable<Float8>,
        source -> Nullable<Text>,
        note -> Nullable<Text>,
        recorded_by -> Uuid,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    inspections (id) {
        id -> Uuid,
        plan_id -> Uuid,
        agency_id -> Uuid,
        scheduled_on -> Date,
        scope -> Array<Text>,
        team -> Text,
        plan_document -> Nullable<Text>,
        status -> Text,
        conducted_on -> Nullable<Date>,
        conclusion_document_number -> Nullable<Text>,
        conclusion_issued_on -> Nullable<Date>,
        conclusion_issuer -> Nullable<Text>,
        conclusion -> Nullable<Text>,
        created_by -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        cancelled_on -> Nullable<Date>,
    }
}

diesel::table! {
    findings (id) {
        id -> Uuid,
        inspection_id -> Uuid,
        plan_id -> Uuid,
        agency_id -> Uuid,
        area -> Text,
        description -> Text,
        severity -> Text,
        required_action -> Text,
        due_on -> Date,
        status -> Text,
        recorded_on -> Date,
        verified_on -> Nullable<Date>,
        created_by -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    finding_remedies (id) {
        id -> Uuid,
        finding_id -> Uuid,
        agency_id -> Uuid,
        author_id -> Uuid,
        summary -> Text,
        status -> Text,
        reviewer_id -> Nullable<Uuid>,
        reviewed_at -> Nullable<Timestamptz>,
        review_comment -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    outbox_events (id) {
        id -> Uuid,
        #[sql_name = "type"]
        event_type -> Text,
        occurred_at -> Timestamptz,
        actor_id -> Nullable<Uuid>,
        task_id -> Nullable<Uuid>,
        subject_type -> Text,
        subject_id -> Uuid,
        changes -> Jsonb,
        payload -> Nullable<Jsonb>,
        fanned_out_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    task_reminders (task_id, kind, due_on, days_before) {
        task_id -> Uuid,
        kind -> Text,
        due_on -> Date,
        days_before -> Int4,
        sent_on -> Date,
        event_id -> Uuid,
    }
}

diesel::table! {
    notifications (id) {
        id -> Uuid,
        user_id -> Uuid,
        event_id -> Uuid,
        #[sql_name = "type"]
        event_type -> Text,
        title -> Text,
        body -> Text,
        task_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        read_at -> Nullable<Timestamptz>,
        email_status -> Text,
        email_attempts -> Int4,
        email_next_at -> Nullable<Timestamptz>,
        email_leased_until -> Nullable<Timestamptz>,
        email_error -> Nullable<Text>,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Uuid,
        owner_id -> Uuid,
        url -> Text,
        events -> Array<Text>,
        description -> Text,
        secret -> Text,
        active -> Bool,
        paused_reason -> Nullable<Text>,
        failing_since -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        webhook_id -> Uuid,
        event_id -> Uuid,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        leased_until -> Nullable<Timestamptz>,
        last_status_code -> Nullable<Int4>,
        last_error -> Nullable<Text>,
        last_response -> Nullable<Text>,
        created_at -> Timestamptz,
        delivered_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    reorganisations (id) {
        id -> Uuid,
        kind -> Text,
        effective_on -> Date,
        document_number -> Text,
        issued_on -> Date,
        issuer -> Text,
        recorded_by -> Nullable<Uuid>,
        recorded_at -> Timestamptz,
        outcome -> Jsonb,
    }
}

diesel::table! {
    reorganisation_agencies (reorganisation_id, agency_id) {
        reorganisation_id -> Uuid,
        agency_id -> Uuid,
        effective_on -> Date,
    }
}

diesel::table! {
    agency_successions (predecessor_id, successor_id) {
        reorganisation_id -> Uuid,
        predecessor_id -> Uuid,
        successor_id -> Uuid,
        effective_on -> Date,
    }
}

diesel::table! {
    agency_names (agency_id, valid_to) {
        agency_id -> Uuid,
        valid_to -> Date,
        name -> Text,
        reorganisation_id -> Uuid,
    }
}

diesel::table! {
    task_agency_moves (reorganisation_id, task_id, role, from_agency_id) {
        reorganisation_id -> Uuid,
        task_id -> Uuid,
        role -> Text,
        from_agency_id -> Uuid,
        to_agency_id -> Uuid,
        effective_on -> Date,
        joined -> Bool,
    }
}

diesel::table! {
    task_standing (task_id) {
        task_id -> Uuid,
        basis -> Int8,
        filled_basis -> Nullable<Int8>,
        epoch -> Nullable<Int8>,
        from_on -> Nullable<Date>,
        until_on -> Nullable<Date>,
        lead_agency_id -> Nullable<Uuid>,
        lead_code -> Nullable<Text>,
        lead_name -> Nullable<Text>,
        effective_due_on -> Nullable<Date>,
        supporting -> Nullable<Text>,
        status_as_of -> Nullable<Text>,
        progress_as_of -> Nullable<Int2>,
        pending_claim -> Nullable<Text>,
        pending_extension_request -> Nullable<Text>,
    }
}

diesel::table! {
    standing_epoch (only_row) {
        only_row -> Bool,
        epoch -> Int8,
    }
}

diesel::joinable!(users -> agencies (agency_id));
diesel::joinable!(web_sessions -> users (user_id));
diesel::joinable!(evidence_documents -> files (file_id));
diesel::joinable!(file_chunks -> file_blobs (sha256));
diesel::joinable!(files -> file_blobs (sha256));
diesel::joinable!(objectives -> plans (plan_id));
diesel::joinable!(tasks -> plans (plan_id));
diesel::joinable!(tasks -> agencies (lead_agency_id));
diesel::joinable!(tasks -> objectives (objective_id));
diesel::joinable!(tasks -> reform_areas (area));
diesel::joinable!(task_supporting_agencies -> tasks (task_id));
diesel::joinable!(task_standing -> tasks (task_id));
diesel::joinable!(task_supporting_agencies -> agencies (agency_id));
diesel::joinable!(progress_reports -> tasks (task_id));
diesel::joinable!(completion_claims -> tasks (task_id));
diesel::joinable!(extension_requests -> tasks (task_id));
diesel::joinable!(reporting_periods -> plans (plan_id));
diesel::joinable!(agency_period_reports -> reporting_periods (period_id));
diesel::joinable!(agency_period_reports -> agencies (agency_id));
diesel::joinable!(indicators -> plans (plan_id));
diesel::joinable!(indicator_observations -> indicators (indicator_id));
diesel::joinable!(notifications -> outbox_events (event_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> outbox_events (event_id));
diesel::joinable!(inspections -> plans (plan_id));
diesel::joinable!(inspections -> agencies (agency_id));
diesel::joinable!(findings -> inspections (inspection_id));
diesel::joinable!(findings -> agencies (agency_id));
diesel::joinable!(finding_remedies -> findings (finding_id));

diesel::allow_tables_to_appear_in_same_query!(
    reform_areas,
    agencies,
    users,
    plans,
    objectives,
    tasks,
    task_supporting_agencies,
    progress_reports,
    completion_claims,
    evidence_documents,
    files,
    file_blobs,
    file_chunks,
    extension_requests,
    audit_events,
    refresh_tokens,
    web_sessions,
    idempotency_records,
    login_failures,
    app_settings,
    reporting_periods,
    agency_period_reports,
    indicators,
    indicator_observations,
    outbox_events,
    task_reminders,
    notifications,
    webhooks,
    webhook_deliveries,
    inspections,
    findings,
    finding_remedies,
    reorganisations,
    reorganisation_agencies,
    agency_successions,
    agency_names,
    task_agency_moves,
    task_standing,
    standing_epoch,
);
