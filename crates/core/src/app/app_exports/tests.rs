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
            "phone-Amazon-Web-Services-alice@123456789012",
            "phone-GitHub-bob-smith",
            "phone-GitHub-bob-smith-2",
            "phone-arn-aws-iam--210987654321-mfa-ops",
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
        .contains("already in Otpilot as `phone-Amazon-Web-Services-alice@123456789012`"));
    assert_eq!(world.session.devices().list().unwrap().len(), 4);
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
