//! Settings at start-up: invalid ones stop the binary with the key named.

use crate::helpers::*;

#[test]
fn config_prints_the_effective_settings_with_the_password_masked() {
    let k = Klimat::new();
    let out = k
        .cmd()
        .arg("config")
        .env("KLIMAT_DATABASE_URL", "postgres://klimat:hemligt@db/klimat")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = stdout_of(&out);
    assert!(text.contains("min_group_size = 5"), "{text}");
    assert!(text.contains("postgres://klimat:***@db/klimat"), "{text}");
    assert!(!text.contains("hemligt"));
}

#[test]
fn a_config_file_given_with_the_flag_is_read() {
    let k = Klimat::new();
    let file = k.write("other.toml", "min_group_size = 8\n");
    let out = k
        .cmd()
        .args(["--config", arg(&file), "config"])
        .output()
        .unwrap();
    assert!(stdout_of(&out).contains("min_group_size = 8"));
}

#[test]
fn invalid_settings_stop_start_up_naming_the_key() {
    let k = Klimat::new();
    k.write("klimat.toml", "min_group_size = 1\n");
    let out = k.cmd().arg("config").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("invalid setting `min_group_size`"),
        "{stderr}"
    );
    let out = k
        .cmd()
        .arg("config")
        .env("KLIMAT_MIN_GROUP_SIZE", "5")
        .env("KLIMAT_TRUSTED_PROXIES", "10.0.0.1, lb.region.se")
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("trusted_proxies")
            && stderr.contains("`lb.region.se` is not an IP address"),
        "{stderr}"
    );
}

#[test]
fn a_config_file_named_in_the_environment_must_exist() {
    let k = Klimat::new();
    let out = k
        .cmd()
        .arg("config")
        .env("KLIMAT_CONFIG", "missing.toml")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_of(&out).contains("configuration file missing.toml does not exist"));
}
