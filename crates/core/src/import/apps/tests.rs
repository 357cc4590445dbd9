//! Each format from documents written here in its documented structure (the e2e tests write
//! them with an independent implementation, in Python, and compare codes with oathtool).

use super::crypto::{aes_gcm_seal, pbkdf2_sha256_key, scrypt_key};
use super::*;
use zeroize::Zeroizing;

const SEED: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const SEED2: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn write(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export");
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn read_bytes(bytes: &[u8], password: Option<&str>) -> Result<AppExport> {
    let (_dir, path) = write(bytes);
    read(&path, password.map(SecretString::from).as_ref())
}

fn names(export: &AppExport) -> Vec<(Option<String>, Option<String>)> {
    export
        .accounts
        .iter()
        .map(|a| (a.issuer.clone(), a.account.clone()))
        .collect()
}

fn b32(export: &AppExport, i: usize) -> String {
    export.accounts[i].seed.to_base32().expose().to_owned()
}

fn reasons(export: &AppExport) -> Vec<&str> {
    export.skipped.iter().map(|s| s.reason.as_str()).collect()
}

fn some(a: &str, b: &str) -> (Option<String>, Option<String>) {
    (Some(a.into()), Some(b.into()))
}

fn aegis_db() -> String {
    format!(
        r#"{{"version":3,"entries":[
        {{"type":"totp","uuid":"1","name":"alice@123456789012","issuer":"Amazon Web Services","note":"","icon":null,
          "info":{{"secret":"{SEED}","algo":"SHA256","digits":8,"period":60}}}},
        {{"type":"hotp","name":"h","issuer":"Bank","info":{{"secret":"{SEED2}","algo":"SHA1","digits":6,"counter":3}}}},
        {{"type":"steam","name":"s","issuer":"Steam","info":{{"secret":"{SEED2}","algo":"SHA1","digits":5,"period":30}}}}
        ],"groups":[]}}"#
    )
}

#[test]
fn aegis_plain() {
    let text = format!(
        r#"{{"version":1,"header":{{"slots":null,"params":null}},"db":{}}}"#,
        aegis_db()
    );
    let export = read_bytes(text.as_bytes(), None).unwrap();
    assert_eq!(export.format, Format::Aegis);
    assert_eq!(
        names(&export),
        [some("Amazon Web Services", "alice@123456789012")]
    );
    assert_eq!(b32(&export, 0), SEED);
    let p = export.accounts[0].params;
    assert_eq!(
        (p.algorithm, p.digits, p.period),
        (Algorithm::Sha256, 8, 60)
    );
    assert_eq!(export.skipped.len(), 2);
    assert!(reasons(&export)[0].contains("HOTP"));
    assert!(reasons(&export)[1].contains("Steam"));
    assert_eq!(export.skipped[1].label, "Steam: s");
}

/// An encrypted Aegis vault as the app writes it: the database sealed under a random master
/// key, the master key sealed in a password slot.
fn aegis_encrypted(password: &str, n: u64) -> String {
    let hex = |b: &[u8]| data_encoding::HEXLOWER.encode(b);
    let master = Zeroizing::new([9u8; 32]);
    let salt = [3u8; 32];
    let slot_key = scrypt_key(password.as_bytes(), &salt, n, 8, 1).unwrap();
    let sealed_master = aes_gcm_seal(&slot_key, &[1; 12], master.as_ref());
    let (key_ct, key_tag) = sealed_master.split_at(32);
    let sealed_db = aes_gcm_seal(&master, &[2; 12], aegis_db().as_bytes());
    let (db_ct, db_tag) = sealed_db.split_at(sealed_db.len() - 16);
    format!(
        r#"{{"version":1,"header":{{"slots":[
          {{"type":2,"uuid":"b","key":"{k}","key_params":{{"nonce":"{n1}","tag":"{t1}"}}}},
          {{"type":1,"uuid":"a","key":"{k}","key_params":{{"nonce":"{n1}","tag":"{t1}"}},"n":{n},"r":8,"p":1,"salt":"{salt}","repaired":true}}],
          "params":{{"nonce":"{n2}","tag":"{t2}"}}}},"db":"{db}"}}"#,
        k = hex(key_ct),
        t1 = hex(key_tag),
        n1 = hex(&[1; 12]),
        salt = hex(&salt),
        n2 = hex(&[2; 12]),
        t2 = hex(db_tag),
        db = data_encoding::BASE64.encode(db_ct),
    )
}

#[test]
fn aegis_encrypted_needs_the_right_password() {
    let text = aegis_encrypted("correct horse", 1 << 15);
    let export = read_bytes(text.as_bytes(), Some("correct horse")).unwrap();
    assert_eq!(b32(&export, 0), SEED);
    assert!(matches!(
        read_bytes(text.as_bytes(), None),
        Err(Error::ExportPasswordNeeded {
            format: "Aegis export",
            ..
        })
    ));
    assert!(matches!(
        read_bytes(text.as_bytes(), Some("wrong")),
        Err(Error::ExportWrongPassword { .. })
    ));
    // A changed database with the right password: damaged, not "wrong password".
    let tampered = text.replacen("\"db\":\"", "\"db\":\"AAAA", 1);
    let err = read_bytes(tampered.as_bytes(), Some("correct horse"))
        .err()
        .unwrap();
    assert!(matches!(err, Error::ExportDamaged { .. }), "{err}");
    // A cost no app writes is refused before any memory is spent.
    let costly = aegis_encrypted("p", 1 << 15).replace("\"n\":32768", "\"n\":4194304");
    assert!(matches!(
        read_bytes(costly.as_bytes(), Some("p")),
        Err(Error::ExportDamaged { .. })
    ));
}

#[test]
fn aegis_with_too_many_password_slots_is_refused_before_any_scrypt() {
    let text = aegis_encrypted("correct horse", 1 << 15);
    let slot_start = text.find("{\"type\":1,").unwrap();
    let slot_end = slot_start + text[slot_start..].find('}').unwrap();
    let slot_end = slot_end + 1 + text[slot_end + 1..].find('}').unwrap() + 1;
    let slot = &text[slot_start..slot_end];
    // The highest cost accepted in every slot: trying them would take minutes.
    let costly = slot.replace("\"n\":32768", "\"n\":262144");
    let many = vec![costly; aegis::MAX_PASSWORD_SLOTS + 1].join(",");
    let hostile = text.replacen(slot, &many, 1);
    let err = read_bytes(hostile.as_bytes(), Some("correct horse"))
        .err()
        .unwrap();
    assert!(matches!(err, Error::ExportDamaged { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("9 password slots, more than the 8"),
        "{err}"
    );
    // Up to the bound, the right slot is found.
    let several = vec![slot.to_owned(); aegis::MAX_PASSWORD_SLOTS].join(",");
    let fine = text.replacen(slot, &several, 1);
    let export = read_bytes(fine.as_bytes(), Some("correct horse")).unwrap();
    assert_eq!(b32(&export, 0), SEED);
}

#[test]
fn labels_lose_their_control_characters() {
    let text = format!(
        r#"{{"version":1,"header":{{"slots":null,"params":null}},"db":{}}}"#,
        aegis_db()
            .replace(
                "Amazon Web Services",
                r"Evil\u001b]52;c;ZXZpbA==\u0007Corp\u009b2J",
            )
            .replace(r#""name":"h""#, r#""name":"h\u001b[2J\u007f""#)
    );
    let export = read_bytes(text.as_bytes(), None).unwrap();
    assert_eq!(
        names(&export)[0],
        some("Evil]52;c;ZXZpbA==Corp2J", "alice@123456789012")
    );
    assert_eq!(export.skipped[0].label, "Bank: h[2J");
}

fn twofas_services() -> String {
    format!(
        r#"[{{"name":"GitHub","secret":"{SEED}","updatedAt":1,"otp":{{"label":"GitHub:bob","account":"bob","issuer":"GitHub","digits":6,"period":30,"algorithm":"SHA1","tokenType":"TOTP","source":"Link"}},"order":{{"position":0}}}},
           {{"name":"Valve","secret":"{SEED2}","otp":{{"account":"gabe","tokenType":"STEAM","digits":5}}}},
           {{"name":"Old","secret":"{SEED2}","otp":{{"account":"","label":"carol","issuer":""}}}}]"#
    )
}

#[test]
fn twofas_plain_and_first_schema() {
    let text = format!(
        r#"{{"services":{},"groups":[],"updatedAt":1,"schemaVersion":4,"appVersionCode":5000017,"appOrigin":"android"}}"#,
        twofas_services()
    );
    let export = read_bytes(text.as_bytes(), None).unwrap();
    assert_eq!(export.format, Format::TwoFas);
    assert_eq!(
        names(&export),
        [some("GitHub", "bob"), some("Old", "carol")]
    );
    assert!(reasons(&export)[0].contains("Steam"));
    // Schema 1: no tokenType, the otpauth link instead of a secret.
    let v1 = format!(
        r#"{{"services":[{{"name":"AWS","type":"ManualService","otp":{{"link":"otpauth://totp/AWS:dev?secret={SEED}&issuer=AWS&digits=8"}}}}],"schemaVersion":1}}"#
    );
    let export = read_bytes(v1.as_bytes(), None).unwrap();
    assert_eq!(names(&export), [some("AWS", "dev")]);
    assert_eq!(export.accounts[0].params.digits, 8);
}

fn twofas_sealed(key: &super::crypto::Key, salt: &[u8], iv: [u8; 12], plain: &[u8]) -> String {
    let b64 = |b: &[u8]| data_encoding::BASE64.encode(b);
    format!(
        "{}:{}:{}",
        b64(&aes_gcm_seal(key, &iv, plain)),
        b64(salt),
        b64(&iv)
    )
}

fn twofas_encrypted(password: &str, services: &str) -> String {
    let salt = [5u8; 256];
    let key = pbkdf2_sha256_key(password.as_bytes(), &salt, 10_000);
    format!(
        r#"{{"services":[],"groups":[],"schemaVersion":4,"appOrigin":"ios","servicesEncrypted":"{}","reference":"{}"}}"#,
        twofas_sealed(&key, &salt, [1; 12], services.as_bytes()),
        twofas_sealed(&key, &salt, [2; 12], b"reference text"),
    )
}

#[test]
fn twofas_encrypted_tells_a_wrong_password_from_damage() {
    let text = twofas_encrypted("hunter2", &twofas_services());
    let export = read_bytes(text.as_bytes(), Some("hunter2")).unwrap();
    assert_eq!(names(&export)[0], some("GitHub", "bob"));
    assert!(matches!(
        read_bytes(text.as_bytes(), Some("hunter3")),
        Err(Error::ExportWrongPassword {
            format: "2FAS backup",
            ..
        })
    ));
    assert!(matches!(
        read_bytes(text.as_bytes(), None),
        Err(Error::ExportPasswordNeeded { .. })
    ));
    // The reference opens but the services were changed.
    let (head, rest) = text.split_once("\"servicesEncrypted\":\"").unwrap();
    let damaged = format!("{head}\"servicesEncrypted\":\"AAAA{}", &rest[4..]);
    assert!(matches!(
        read_bytes(damaged.as_bytes(), Some("hunter2")),
        Err(Error::ExportDamaged { .. })
    ));
}

#[test]
fn bitwarden_json_and_csv() {
    let json = format!(
        r#"{{"encrypted":false,"folders":[],"items":[
        {{"type":1,"name":"AWS prod","login":{{"username":"alice","password":"pw","totp":"otpauth://totp/Amazon%20Web%20Services:alice@123456789012?secret={SEED}&issuer=Amazon%20Web%20Services"}}}},
        {{"type":1,"name":"GitLab","login":{{"username":"bob","password":"pw","totp":"{SEED2}"}}}},
        {{"type":1,"name":"Steam","login":{{"username":"s","totp":"steam://{SEED2}"}}}},
        {{"type":1,"name":"no totp","login":{{"username":"x","password":"y","totp":null}}}},
        {{"type":2,"name":"a note","secureNote":{{"type":0}}}}]}}"#
    );
    let export = read_bytes(json.as_bytes(), None).unwrap();
    assert_eq!(export.format, Format::BitwardenJson);
    assert_eq!(
        names(&export),
        [
            some("Amazon Web Services", "alice@123456789012"),
            some("GitLab", "bob")
        ]
    );
    assert_eq!(b32(&export, 1), SEED2);
    assert_eq!(export.skipped.len(), 1);

    let encrypted = r#"{"encrypted":true,"passwordProtected":true,"salt":"x","kdfType":0,"kdfIterations":600000,"encKeyValidation_DO_NOT_EDIT":"2.x","data":"2.y"}"#;
    assert!(matches!(
        read_bytes(encrypted.as_bytes(), Some("pw")),
        Err(Error::ExportUnsupported { .. })
    ));

    let csv = format!(
        "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\r\n\
         ,,login,\"GitLab, work\",\"multi\nline\",,0,https://gitlab.com,bob,\"p,w\"\"d\",{SEED2}\r\n\
         ,,login,Mail,,,0,,carol,pw,\r\n\
         ,,note,Note,text,,0,,,,\r\n"
    );
    let export = read_bytes(csv.as_bytes(), None).unwrap();
    assert_eq!(export.format, Format::BitwardenCsv);
    assert_eq!(names(&export), [some("GitLab, work", "bob")]);
    let cut = &csv[..csv.len() / 2];
    assert!(matches!(
        read_bytes(cut.as_bytes(), None),
        Err(Error::ExportDamaged { .. })
    ));
}

#[test]
fn andotp_freeotp_proton() {
    let andotp = format!(
        r#"[{{"secret":"{SEED}","issuer":"","label":"GitHub:bob","digits":6,"type":"TOTP","algorithm":"SHA1","thumbnail":"Default","last_used":0,"used_frequency":0,"period":30,"tags":[]}},
            {{"secret":"{SEED2}","issuer":"Bank","label":"me","digits":6,"type":"HOTP","algorithm":"SHA1","counter":1}},
            {{"secret":"{SEED2}","issuer":"AWS","label":"dev@123456789012","digits":6,"type":"TOTP","algorithm":"SHA512","period":30}}]"#
    );
    let export = read_bytes(andotp.as_bytes(), None).unwrap();
    assert_eq!(export.format, Format::AndOtp);
    assert_eq!(
        names(&export),
        [some("GitHub", "bob"), some("AWS", "dev@123456789012")]
    );
    assert_eq!(export.accounts[1].params.algorithm, Algorithm::Sha512);

    // JBSWY3DPEHPK3PXP is "Hello!\xde\xad\xbe\xef": two bytes above 127, written signed.
    let freeotp = r#"{"tokenOrder":["Example:alice"],"tokens":[{"algo":"SHA1","counter":0,"digits":6,"issuerExt":"Example","issuerInt":"","label":"alice","period":30,"secret":[72,101,108,108,111,33,-34,-83,-66,-17],"type":"TOTP"}]}"#;
    let export = read_bytes(freeotp.as_bytes(), None).unwrap();
    assert_eq!(export.format, Format::FreeOtpPlus);
    assert_eq!(b32(&export, 0), "JBSWY3DPEHPK3PXP");
    assert_eq!(names(&export), [some("Example", "alice")]);

    let proton = format!(
        r#"{{"version":1,"entries":[
        {{"id":"1","content":{{"uri":"otpauth://totp/Proton:me%40proton.me?secret={SEED}&issuer=Proton&algorithm=SHA1&digits=6&period=30","entry_type":"Totp","name":"me@proton.me"}},"note":null}},
        {{"id":"2","content":{{"uri":"steam://{SEED2}","entry_type":"Steam","name":"gaming"}},"note":"x"}}]}}"#
    );
    let export = read_bytes(proton.as_bytes(), None).unwrap();
    assert_eq!(export.format, Format::Proton);
    assert_eq!(names(&export), [some("Proton", "me@proton.me")]);
    assert!(reasons(&export)[0].contains("Steam"));
    let locked = r#"{"version":1,"salt":"abc","content":"def"}"#;
    assert!(matches!(
        read_bytes(locked.as_bytes(), Some("x")),
        Err(Error::ExportUnsupported { .. })
    ));
}

#[test]
fn uri_lists_and_ente() {
    let list = format!(
        "# my codes\notpauth://totp/GitHub:bob?secret={SEED}&issuer=GitHub\n\n\
         otpauth://hotp/Bank:me?secret={SEED2}&counter=3\n\
         otpauth://totp/Plain?secret={SEED2}&period=60\n"
    );
    let export = read_bytes(list.as_bytes(), None).unwrap();
    assert_eq!(export.format, Format::UriList);
    assert_eq!(
        names(&export),
        [some("GitHub", "bob"), (None, Some("Plain".into()))]
    );
    assert_eq!(export.skipped[0].label, "Bank: me");
    let ente = format!(
        "otpauth://totp/Ente:me?secret={SEED}&issuer=Ente&algorithm=sha1&digits=6&period=30&codeDisplay=%7B%22pinned%22%3Afalse%7D\n"
    );
    assert_eq!(
        read_bytes(ente.as_bytes(), None).unwrap().format,
        Format::Ente
    );
    let bad = format!("otpauth://totp/A?secret={SEED}\nnot a uri\n");
    let err = read_bytes(bad.as_bytes(), None).err().unwrap();
    assert!(err.to_string().contains("line 2"), "{err}");
    let cut = format!("otpauth://totp/A?secret={SEED}\notpauth://totp/B?sec");
    assert!(matches!(
        read_bytes(cut.as_bytes(), None),
        Err(Error::ExportDamaged { .. })
    ));
}

#[test]
fn other_files_are_refused_clearly() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let err = read_bytes(png, None).err().unwrap();
    assert!(err.to_string().contains("--qr"), "{err}");
    let random: Vec<u8> = (0..512u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    assert!(matches!(
        read_bytes(&random, None),
        Err(Error::ExportNotRecognised { .. })
    ));
    assert!(matches!(
        read_bytes(br#"{"hello":"world"}"#, None),
        Err(Error::ExportNotRecognised { .. })
    ));
    assert!(matches!(
        read_bytes(SEED.as_bytes(), None),
        Err(Error::ExportNotRecognised { .. })
    ));
    assert!(matches!(
        read_bytes(b"", None),
        Err(Error::ExportNotRecognised { .. })
    ));
    // Only HOTP: nothing to add is an error that says so.
    let hotp = format!("otpauth://hotp/Bank:me?secret={SEED2}&counter=3\n");
    assert!(matches!(
        read_bytes(hotp.as_bytes(), None),
        Err(Error::ExportEmpty { skipped: 1, .. })
    ));
}

#[test]
fn every_json_format_cut_short_is_damaged_and_never_quoted() {
    let documents = [
        format!(
            r#"{{"version":1,"header":{{"slots":null,"params":null}},"db":{}}}"#,
            aegis_db()
        ),
        format!(r#"{{"services":{},"schemaVersion":4}}"#, twofas_services()),
        format!(r#"[{{"secret":"{SEED}","issuer":"x","label":"y","type":"TOTP"}}]"#),
        format!(
            r#"{{"encrypted":false,"folders":[],"items":[{{"name":"n","login":{{"totp":"{SEED}"}}}}]}}"#
        ),
        format!(
            r#"{{"version":1,"entries":[{{"content":{{"uri":"otpauth://totp/a?secret={SEED}","entry_type":"Totp","name":"a"}}}}]}}"#
        ),
    ];
    for doc in documents {
        let cut = &doc[..doc.len() * 2 / 3];
        let err = read_bytes(cut.as_bytes(), None).err().unwrap();
        assert!(matches!(err, Error::ExportDamaged { .. }), "{err}");
        assert!(!err.to_string().contains("JBSW"), "{err}");
    }
    // A secret of the wrong JSON type: damaged, and serde's message (which would quote the
    // value) is not passed on.
    let wrong = r#"[{"secret":12345,"issuer":"x","label":"y"}]"#;
    let err = read_bytes(wrong.as_bytes(), None).err().unwrap();
    assert!(!err.to_string().contains("12345"), "{err}");
}
