use super::*;
use crate::error::Error;
use crate::testing::World;

const SEED: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const SEED2: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const SEED3: &str = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U";

fn list_file(world: &World, lines: &[String]) -> PathBuf {
    let path = world.dir.path().join("codes.txt");
    std::fs::write(&path, lines.join("\n")).unwrap();
    path
}

fn request(path: PathBuf, prefix: Option<&str>, dry_run: bool) -> AppExportImport {
    AppExportImport {
        path,
        password: None,
        prefix: prefix.map(str::to_owned),
        dry_run,
        seal: None,
    }
}

fn names(imported: &AppExportImported) -> Vec<&str> {
    imported.devices.iter().map(|d| d.name.as_str()).collect()
}

#[test]
fn names_serials_dry_run_and_a_second_run() {
    let world = World::new();
    let path = list_file(
        &world,
        &[
            format!("otpauth://totp/Amazon%20Web%20Services:alice@123456789012?secret={SEED}&issuer=Amazon%20Web%20Services"),
            format!("otpauth://totp/GitHub:bob%20smith?secret={SEED2}&issuer=GitHub"),
            format!("otpauth://totp/GitHub:bob%20smith?secret={SEED3}&issuer=GitHub"),
            format!("otpauth://totp/arn:aws:iam::210987654321:mfa/ops?secret={SEED3}&digits=8"),
        ],
    );
    let plan = world
        .session
        .import_app_export(request(path.clone(), Some("phone"), true))
        .unwrap();
    assert!(plan.dry_run);
    assert_eq!(plan.format, "list of otpauth URIs");
    assert_eq!(
        names(&plan),
        [
            "phone-AWS-alice",
            "phone-GitHub-bob-smith",
            "phone-GitHub-bob-smith-2",
            "phone-AWS-ops",
        ]
    );
    assert_eq!(
        plan.devices[0].serial.as_deref(),
        Some("arn:aws:iam::123456789012:mfa/alice")
    );
    assert!(plan.devices[0].serial_guessed);
    assert_eq!(plan.devices[1].serial, None);
    assert_eq!(
        plan.devices[3].serial.as_deref(),
        Some("arn:aws:iam::210987654321:mfa/ops")
    );
    assert!(!plan.devices[3].serial_guessed);
    // Nothing was written by the dry run.
    assert!(world.session.devices().list().unwrap().is_empty());

    let done = world
        .session
        .import_app_export(request(path.clone(), Some("phone"), false))
        .unwrap();
    assert_eq!(names(&done), names(&plan));
    let stored = world.session.devices().list().unwrap();
    assert_eq!(stored.len(), 4);
    assert_eq!(stored[3].params.digits, 8);

    // Again: every seed is already here, so nothing is added.
    let again = world
        .session
        .import_app_export(request(path, Some("phone"), false))
        .unwrap();
    assert!(again.devices.is_empty());
    assert_eq!(again.skipped.len(), 4);
    assert!(again.skipped[0]
        .reason
        .contains("already in Otpilot as `phone-AWS-alice`"));
    assert_eq!(world.session.devices().list().unwrap().len(), 4);
}

#[test]
fn names_are_short_and_readable_and_never_collide() {
    let world = World::new();
    let seeds: Vec<String> = (0..4u8)
        .map(|n| data_encoding::BASE32_NOPAD.encode(&[n + 1; 20]))
        .collect();
    let path = list_file(
        &world,
        &[
            format!("otpauth://totp/Amazon%20Web%20Services:arn:aws:iam::210987654321:mfa/dave?secret={}&issuer=Amazon%20Web%20Services", seeds[0]),
            // The same IAM name in another account: the account id tells them apart.
            format!("otpauth://totp/Amazon%20Web%20Services:dave@123456789012?secret={}&issuer=Amazon%20Web%20Services", seeds[1]),
            // An account that only repeats the issuer, and spaces and colons.
            format!("otpauth://totp/Slack:Slack?secret={}&issuer=Slack", seeds[2]),
            format!("otpauth://totp/My%20Bank%20%28EU%29:jo%20%20doe?secret={}&issuer=My%20Bank%20%28EU%29", seeds[3]),
        ],
    );
    let plan = world
        .session
        .import_app_export(request(path, Some("phone"), true))
        .unwrap();
    assert_eq!(
        names(&plan),
        [
            "phone-AWS-dave",
            "phone-AWS-dave-123456789012",
            "phone-Slack",
            "phone-My-Bank-EU-jo-doe",
        ]
    );
}

#[test]
fn a_short_seed_is_warned_about_only_when_it_is_added() {
    let world = World::new();
    // 16 base32 characters: an 80-bit seed, accepted with a warning.
    let short = "JBSWY3DPEHPK3PXP";
    let path = list_file(
        &world,
        &[format!(
            "otpauth://totp/Shop:ann?secret={short}&issuer=Shop"
        )],
    );
    let first = world
        .session
        .import_app_export(request(path.clone(), None, false))
        .unwrap();
    assert_eq!(names(&first), ["Shop-ann"]);
    assert_eq!(first.warnings.len(), 1, "{:?}", first.warnings);
    assert!(first.warnings[0].starts_with("Shop: ann: this seed is only 80 bits"));
    let again = world
        .session
        .import_app_export(request(path, None, false))
        .unwrap();
    assert!(again.devices.is_empty());
    assert_eq!(again.warnings, Vec::<String>::new());
}

#[test]
fn a_bad_prefix_or_a_damaged_file_adds_nothing() {
    let world = World::new();
    let path = list_file(&world, &[format!("otpauth://totp/A?secret={SEED}")]);
    assert!(matches!(
        world
            .session
            .import_app_export(request(path, Some("bad prefix"), false)),
        Err(Error::InvalidDeviceName { .. })
    ));
    let path = list_file(
        &world,
        &[
            format!("otpauth://totp/A?secret={SEED}"),
            "otpauth://totp/B?secret=0000".to_owned(),
        ],
    );
    assert!(matches!(
        world.session.import_app_export(request(path, None, false)),
        Err(Error::ExportDamaged { .. })
    ));
    assert!(world.session.devices().list().unwrap().is_empty());
}

#[test]
fn serials_from_labels() {
    let aws = Some("Amazon Web Services");
    assert_eq!(
        aws_serial(aws, Some("alice@123456789012")),
        Some(("arn:aws:iam::123456789012:mfa/alice".into(), true))
    );
    assert_eq!(
        aws_serial(Some("AWS"), Some("dev@123456789012")),
        Some(("arn:aws:iam::123456789012:mfa/dev".into(), true))
    );
    // Not AWS, or not an AWS account label: no serial.
    assert_eq!(aws_serial(Some("GitHub"), Some("alice@123456789012")), None);
    assert_eq!(aws_serial(Some("Laws firm"), Some("a@123456789012")), None);
    assert_eq!(aws_serial(aws, Some("alice@example.com")), None);
    assert_eq!(
        aws_serial(Some("arn"), Some("aws-us-gov:iam::123456789012:mfa/x")),
        Some(("arn:aws-us-gov:iam::123456789012:mfa/x".into(), false))
    );
}
