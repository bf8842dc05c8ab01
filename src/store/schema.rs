//! The tables, written by hand for both backends (see migrations/).

diesel::table! {
    units (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        parent_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    survey_versions (id) {
        id -> BigInt,
        key -> Text,
        version -> Integer,
        hash -> Text,
        definition -> Text,
        published_at -> Timestamp,
    }
}

diesel::table! {
    studies (id) {
        id -> BigInt,
        name -> Text,
        survey_key -> Text,
        intervention_date -> Text,
        created_at -> Timestamp,
        seed -> BigInt,
    }
}

diesel::table! {
    study_units (study_id, unit_id) {
        study_id -> BigInt,
        unit_id -> BigInt,
        arm -> Text,
    }
}

diesel::table! {
    waves (id) {
        id -> BigInt,
        study_id -> BigInt,
        name -> Text,
        survey_version_id -> BigInt,
        opens_on -> Nullable<Text>,
        closes_on -> Nullable<Text>,
        state -> Text,
        min_group_size -> Integer,
        closed_at -> Nullable<Timestamp>,
        min_group_size_comments -> Integer,
    }
}

diesel::table! {
    invitations (id) {
        id -> BigInt,
        wave_id -> BigInt,
        unit_id -> BigInt,
        language -> Text,
        email -> Nullable<Text>,
        token_hash -> Nullable<Text>,
        delivery -> Text,
        reminders -> Integer,
        opted_out -> Bool,
        answered -> Bool,
        optout_hash -> Nullable<Text>,
        last_sent_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        invitation_id -> BigInt,
        wave_id -> BigInt,
        kind -> Text,
        round -> Integer,
        message_id -> Text,
        state -> Text,
        attempts -> Integer,
        due_at -> BigInt,
        lease_until -> Nullable<BigInt>,
        sent_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    responses (wave_id, unit_id, id) {
        wave_id -> BigInt,
        unit_id -> BigInt,
        id -> Text,
        period -> Text,
        source -> Text,
        answers -> Binary,
    }
}

diesel::table! {
    drafts (key_hash) {
        key_hash -> Text,
        wave_id -> BigInt,
        answers -> Binary,
        texts -> Text,
        page -> Integer,
        expires_at -> BigInt,
    }
}

diesel::table! {
    unit_links (token_hash) {
        token_hash -> Text,
        wave_id -> BigInt,
        unit_id -> BigInt,
    }
}

diesel::table! {
    response_texts (wave_id, unit_id, response_id, question) {
        wave_id -> BigInt,
        unit_id -> BigInt,
        response_id -> Text,
        question -> Text,
        text -> Text,
    }
}

diesel::joinable!(unit_links -> units (unit_id));
diesel::joinable!(unit_links -> waves (wave_id));
diesel::table! {
    study_adoptions (study_id, unit_id) {
        study_id -> BigInt,
        unit_id -> BigInt,
        adopted_on -> Text,
    }
}

diesel::table! {
    study_adoption_changes (id) {
        id -> BigInt,
        study_id -> BigInt,
        unit_id -> BigInt,
        previous -> Nullable<Text>,
        adopted_on -> Nullable<Text>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    study_schedules (study_id) {
        study_id -> BigInt,
        schedule -> Text,
        hash -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::joinable!(study_adoptions -> units (unit_id));
diesel::joinable!(study_adoption_changes -> units (unit_id));
diesel::joinable!(study_units -> studies (study_id));
diesel::joinable!(study_units -> units (unit_id));
diesel::joinable!(waves -> studies (study_id));
diesel::joinable!(waves -> survey_versions (survey_version_id));
diesel::joinable!(invitations -> waves (wave_id));
diesel::joinable!(invitations -> units (unit_id));
diesel::joinable!(responses -> waves (wave_id));
diesel::joinable!(outbox -> invitations (invitation_id));
diesel::joinable!(responses -> units (unit_id));

diesel::table! {
    study_headlines (study_id) {
        study_id -> BigInt,
        digest -> Text,
        headlines -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    units,
    survey_versions,
    studies,
    study_units,
    study_adoptions,
    study_adoption_changes,
    study_schedules,
    waves,
    invitations,
    responses,
    outbox,
    drafts,
    unit_links,
    response_texts,
    study_headlines,
);

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        role -> Text,
        password_hash -> Text,
        failed_logins -> Integer,
        locked_until -> Nullable<BigInt>,
        disabled -> Bool,
        created_at -> BigInt,
        scope_unit_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    sessions (key_hash) {
        key_hash -> Text,
        user_id -> BigInt,
        csrf -> Text,
        created_at -> BigInt,
        last_seen_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    api_tokens (token_hash) {
        token_hash -> Text,
        name -> Text,
        role -> Text,
        created_at -> BigInt,
        revoked -> Bool,
        scope_unit_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> BigInt,
        actor -> Text,
        action -> Text,
        detail -> Text,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, sessions);

diesel::table! {
    idempotency_keys (actor, key) {
        actor -> Text,
        key -> Text,
        request -> Text,
        status -> Integer,
        body -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    unit_changes (id) {
        id -> BigInt,
        kind -> Text,
        effective_on -> Text,
        recorded_at -> BigInt,
        recorded_by -> Text,
    }
}

diesel::table! {
    unit_change_units (change_id, unit_id, side) {
        change_id -> BigInt,
        unit_id -> BigInt,
        side -> Text,
        code -> Text,
        name -> Text,
        parent_id -> Nullable<BigInt>,
    }
}

diesel::joinable!(unit_change_units -> unit_changes (change_id));
diesel::allow_tables_to_appear_in_same_query!(unit_changes, unit_change_units);

diesel::table! {
    unit_managers (unit_id, email) {
        unit_id -> BigInt,
        email -> Text,
        language -> Text,
    }
}

diesel::table! {
    manager_notices (id) {
        id -> BigInt,
        wave_id -> BigInt,
        unit_id -> BigInt,
        email -> Text,
        language -> Text,
        message_id -> Text,
        state -> Text,
        attempts -> Integer,
        due_at -> BigInt,
        lease_until -> Nullable<BigInt>,
        sent_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
    }
}

diesel::joinable!(unit_managers -> units (unit_id));
diesel::joinable!(manager_notices -> units (unit_id));
diesel::joinable!(manager_notices -> waves (wave_id));
diesel::allow_tables_to_appear_in_same_query!(unit_managers, units);
diesel::allow_tables_to_appear_in_same_query!(manager_notices, units);
diesel::allow_tables_to_appear_in_same_query!(manager_notices, waves);
diesel::allow_tables_to_appear_in_same_query!(manager_notices, studies);
