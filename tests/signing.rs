//! Record signatures against OpenSSH itself: what `runbook` signs,
//! `ssh-keygen -Y verify` accepts; what `ssh-keygen -Y sign` makes, `runbook`
//! verifies; and each way a signature can be wrong is refused by name.

use runbook::record::allowed_signers::AllowedSigners;
use runbook::record::signing::{self, NAMESPACE, Signer, SigningError, VerifyError, verify};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

const RECORD: &[u8] = br#"{"id":"INC-20261128-0001","summary":"nginx restarted"}"#;
const PRINCIPAL: &str = "ops@example.com";

fn at() -> chrono::DateTime<chrono::Utc> {
    "2026-11-28T09:00:00Z".parse().unwrap()
}

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap()
    }

    /// Runs `ssh-keygen` here, never at a terminal: a passphrase, if any,
    /// comes from an askpass script.
    fn ssh_keygen(&self, args: &[&str], stdin: Option<&Path>, passphrase: Option<&str>) -> Output {
        let mut command = crate::common::sealed(self.0.path(), "ssh-keygen");
        command.args(args).current_dir(self.0.path()).stdin(match stdin {
            Some(path) => Stdio::from(std::fs::File::open(path).unwrap()),
            None => Stdio::null(),
        });
        if let Some(passphrase) = passphrase {
            let askpass = self.write("askpass", format!("#!/bin/sh\nprintf '%s\\n' '{passphrase}'\n"));
            std::fs::set_permissions(&askpass, std::fs::Permissions::from_mode(0o700)).unwrap();
            command
                .env("SSH_ASKPASS", &askpass)
                .env("SSH_ASKPASS_REQUIRE", "force")
                .env("DISPLAY", ":0");
        }
        command.output().expect("ssh-keygen (OpenSSH) is installed")
    }

    /// `ssh-keygen -t ed25519` writes `name` and `name.pub`.
    fn openssh_key(&self, name: &str, passphrase: &str) -> PathBuf {
        let output = self.ssh_keygen(
            &[
                "-q",
                "-t",
                "ed25519",
                "-N",
                passphrase,
                "-C",
                "made-by-openssh",
                "-f",
                name,
            ],
            None,
            None,
        );
        assert!(output.status.success(), "{output:?}");
        self.path(name)
    }

    /// `ssh-keygen -t TYPE [-b BITS]`, no passphrase: writes `name` and
    /// `name.pub`; `false` when this OpenSSH makes no such keys.
    fn openssh_key_of(&self, name: &str, key_type: &[&str]) -> bool {
        let mut args = vec!["-q", "-N", "", "-C", "made-by-openssh", "-f", name, "-t"];
        args.extend_from_slice(key_type);
        self.ssh_keygen(&args, None, None).status.success()
    }

    /// `ssh-keygen -Y sign`: writes `file.sig`, returns its text.
    fn openssh_sign(&self, key: &str, namespace: &str, file: &str, passphrase: Option<&str>) -> String {
        let output = self.ssh_keygen(
            &["-Y", "sign", "-f", key, "-n", namespace, file],
            None,
            passphrase,
        );
        assert!(output.status.success(), "{output:?}");
        self.read(&format!("{file}.sig"))
    }

    /// `ssh-keygen -Y verify` of `file` against `file.sig`.
    fn openssh_verify(&self, allowed_signers: &str, principal: &str, file: &str) -> Output {
        self.ssh_keygen(
            &[
                "-Y",
                "verify",
                "-f",
                allowed_signers,
                "-I",
                principal,
                "-n",
                NAMESPACE,
                "-s",
                &format!("{file}.sig"),
            ],
            Some(&self.path(file)),
            None,
        )
    }

    /// OpenSSH refuses `record.json` and its signature against the
    /// allowed_signers file, as we do.
    #[track_caller]
    fn assert_openssh_refuses(&self) {
        assert!(
            !self
                .openssh_verify("allowed_signers", PRINCIPAL, "record.json")
                .status
                .success()
        );
    }

    /// An allowed_signers file trusting `name.pub` as PRINCIPAL with `options`.
    fn trust(&self, name: &str, options: &str) -> AllowedSigners {
        let key = self.read(&format!("{name}.pub"));
        let line = format!("{PRINCIPAL} {options} {}", key.trim());
        self.write("allowed_signers", format!("# auditors' file\n{line}\n"));
        AllowedSigners::load(&self.path("allowed_signers")).unwrap()
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// A new key `key`, made by ssh-keygen, and `record.json` signed with it
/// by ssh-keygen for `namespace`: the directory and the signature.
fn signed_by_openssh(namespace: &str) -> (Dir, String) {
    let dir = Dir::new();
    dir.openssh_key("key", "");
    dir.write("record.json", RECORD);
    let signature = dir.openssh_sign("key", namespace, "record.json", None);
    (dir, signature)
}

#[test]
fn ssh_keygen_verifies_what_we_sign() {
    let dir = Dir::new();
    let files = signing::keygen(&dir.path("config"), PRINCIPAL, None).unwrap();
    assert_eq!(mode(&files.private_key), 0o600);
    assert_eq!(mode(&files.public_key), 0o644);
    assert_eq!(mode(&files.allowed_signers), 0o644);
    assert!(files.allowed_signers_line.starts_with(&format!(
        "{PRINCIPAL} namespaces=\"runbook-incident\" ssh-ed25519 AAAA"
    )));

    let signer = Signer::load(&files.private_key, None).unwrap();
    assert_eq!(signer.fingerprint(), files.fingerprint);
    let signature = signer.sign(RECORD).unwrap();
    assert!(signature.starts_with("-----BEGIN SSH SIGNATURE-----\n"));
    dir.write("record.json", RECORD);
    dir.write("record.json.sig", &signature);

    let output = dir.openssh_verify("config/allowed_signers", PRINCIPAL, "record.json");
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!(
            "Good \"{NAMESPACE}\" signature for {PRINCIPAL} with ED25519 key {}",
            files.fingerprint
        )),
        "{stdout}"
    );

    // OpenSSH reads our allowed_signers line and public key file as its own.
    let found = dir.ssh_keygen(
        &[
            "-Y",
            "find-principals",
            "-f",
            "config/allowed_signers",
            "-s",
            "record.json.sig",
        ],
        None,
        None,
    );
    assert_eq!(
        String::from_utf8_lossy(&found.stdout).trim(),
        PRINCIPAL,
        "{found:?}"
    );
    let fingerprint = dir.ssh_keygen(&["-l", "-f", "config/signing_key.pub"], None, None);
    assert!(String::from_utf8_lossy(&fingerprint.stdout).contains(&files.fingerprint));

    // And refuses it for a changed record, as we do.
    dir.write("record.json", [RECORD, b" "].concat());
    assert!(
        !dir.openssh_verify("config/allowed_signers", PRINCIPAL, "record.json")
            .status
            .success()
    );
}

#[test]
fn keygen_with_a_passphrase_makes_a_key_openssh_can_open() {
    let dir = Dir::new();
    let files = signing::keygen(&dir.path("config"), PRINCIPAL, Some("correct horse")).unwrap();
    assert!(files.encrypted);

    let error = Signer::load(&files.private_key, None).unwrap_err().to_string();
    assert!(
        error.contains("is encrypted and no passphrase was given"),
        "{error}"
    );
    assert!(error.contains("--passphrase-file"), "{error}");
    let signer = Signer::load(&files.private_key, Some("correct horse")).unwrap();
    assert_eq!(signer.fingerprint(), files.fingerprint);

    let public = dir.ssh_keygen(
        &["-y", "-P", "correct horse", "-f", "config/signing_key"],
        None,
        None,
    );
    assert!(public.status.success(), "{public:?}");
    assert_eq!(
        String::from_utf8_lossy(&public.stdout).split_whitespace().nth(1),
        dir.read("config/signing_key.pub").split_whitespace().nth(1)
    );
}

#[test]
fn we_verify_what_ssh_keygen_signs() {
    let (dir, signature) = signed_by_openssh(NAMESPACE);
    let signers = dir.trust("key", "namespaces=\"runbook-incident\"");

    let verified = verify(RECORD, &signature, &signers, at()).unwrap();
    assert_eq!(verified.principal, PRINCIPAL);
    let openssh_fingerprint = dir.ssh_keygen(&["-l", "-f", "key.pub"], None, None);
    assert!(String::from_utf8_lossy(&openssh_fingerprint.stdout).contains(&verified.fingerprint));
}

#[test]
fn we_verify_what_ssh_keygen_signs_with_an_encrypted_key() {
    let dir = Dir::new();
    dir.openssh_key("key", "s3cret pass");
    dir.write("record.json", RECORD);
    let signature = dir.openssh_sign("key", NAMESPACE, "record.json", Some("s3cret pass"));
    let signers = dir.trust("key", "");
    assert_eq!(
        verify(RECORD, &signature, &signers, at()).unwrap().principal,
        PRINCIPAL
    );
}

#[test]
fn our_signer_loads_keys_made_by_ssh_keygen() {
    let dir = Dir::new();
    let plain = dir.openssh_key("plain", "");
    let encrypted = dir.openssh_key("encrypted", "s3cret pass");
    dir.write("record.json", RECORD);

    for (name, key, passphrase) in [
        ("plain", &plain, None),
        ("encrypted", &encrypted, Some("s3cret pass")),
    ] {
        let signer = Signer::load(key, passphrase).unwrap();
        let openssh_fingerprint = dir.ssh_keygen(&["-l", "-f", &format!("{name}.pub")], None, None);
        assert!(String::from_utf8_lossy(&openssh_fingerprint.stdout).contains(&signer.fingerprint()));
        assert_eq!(
            signer.public_key_openssh(),
            dir.read(&format!("{name}.pub")).rsplit_once(' ').unwrap().0
        );

        dir.write("record.json.sig", signer.sign(RECORD).unwrap());
        dir.trust(name, "");
        let output = dir.openssh_verify("allowed_signers", PRINCIPAL, "record.json");
        assert!(output.status.success(), "{name}: {output:?}");
    }

    assert!(matches!(
        Signer::load(&encrypted, None),
        Err(SigningError::PassphraseNeeded { .. })
    ));
    let wrong = Signer::load(&encrypted, Some("guess")).unwrap_err().to_string();
    assert_eq!(
        wrong,
        format!("wrong passphrase for signing key {}", encrypted.display())
    );
}

#[test]
fn a_signature_for_another_namespace_is_refused() {
    let (dir, signature) = signed_by_openssh("other");
    let signers = dir.trust("key", "");
    let error = verify(RECORD, &signature, &signers, at()).unwrap_err();
    assert_eq!(
        error,
        VerifyError::WrongNamespace {
            found: "other".into()
        }
    );
    assert_eq!(
        error.to_string(),
        "wrong namespace: the signature is for `other`, not `runbook-incident`"
    );
}

#[test]
fn an_unknown_signer_is_refused() {
    let (dir, signature) = signed_by_openssh(NAMESPACE);
    dir.openssh_key("someone-else", "");
    let signers = dir.trust("someone-else", "");
    let error = verify(RECORD, &signature, &signers, at())
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("unknown signer: key SHA256:"), "{error}");
    assert!(error.ends_with(&format!("is not in {}", dir.path("allowed_signers").display())));
    dir.assert_openssh_refuses();
}

#[test]
fn a_changed_record_is_refused() {
    let (dir, signature) = signed_by_openssh(NAMESPACE);
    let signers = dir.trust("key", "");
    for at_byte in [0, RECORD.len() / 2, RECORD.len() - 1] {
        let mut changed = RECORD.to_vec();
        changed[at_byte] ^= 0x01;
        let error = verify(&changed, &signature, &signers, at()).unwrap_err();
        assert!(matches!(error, VerifyError::Mismatch { .. }), "{error}");
        assert!(error.to_string().starts_with("signature does not match"));
    }

    let mut lines: Vec<&str> = signature.lines().collect();
    let middle = lines.len() / 2;
    let flipped = lines[middle].replacen(|c: char| c.is_ascii_alphabetic(), "0", 1);
    lines[middle] = &flipped;
    let error = verify(RECORD, &lines.join("\n"), &signers, at()).unwrap_err();
    assert!(
        matches!(error, VerifyError::Mismatch { .. } | VerifyError::Malformed(_)),
        "{error}"
    );
    let error = verify(RECORD, "not a signature", &signers, at()).unwrap_err();
    assert!(error.to_string().starts_with("malformed signature: "), "{error}");
}

#[test]
fn a_signer_trusted_for_other_namespaces_only_is_refused() {
    let (dir, signature) = signed_by_openssh(NAMESPACE);
    let signers = dir.trust("key", "namespaces=\"other\"");
    let error = verify(RECORD, &signature, &signers, at())
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with(&format!("signer {PRINCIPAL} (key SHA256:")),
        "{error}"
    );
    assert!(
        error.ends_with(&format!(
            "may not sign incident records: {}:2 allows namespaces=\"other\" only",
            dir.path("allowed_signers").display()
        )),
        "{error}"
    );
    // OpenSSH agrees.
    dir.assert_openssh_refuses();

    // Both accept once our namespace is among them.
    let signers = dir.trust("key", "namespaces=\"other,runbook-*\"");
    assert_eq!(
        verify(RECORD, &signature, &signers, at()).unwrap().principal,
        PRINCIPAL
    );
    let output = dir.openssh_verify("allowed_signers", PRINCIPAL, "record.json");
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn a_signer_past_valid_before_is_refused() {
    let (dir, signature) = signed_by_openssh(NAMESPACE);
    let signers = dir.trust("key", "valid-after=\"20200101Z\",valid-before=\"20250101Z\"");
    let error = verify(RECORD, &signature, &signers, at())
        .unwrap_err()
        .to_string();
    assert!(
        error.ends_with(&format!(
            "was not valid at 2026-11-28T09:00:00Z: {}:2 allows it from 2020-01-01T00:00:00Z until 2025-01-01T00:00:00Z",
            dir.path("allowed_signers").display()
        )),
        "{error}"
    );
    dir.assert_openssh_refuses();

    // Inside the window both accept it.
    let inside = "2024-06-01T00:00:00Z".parse().unwrap();
    assert_eq!(
        verify(RECORD, &signature, &signers, inside).unwrap().principal,
        PRINCIPAL
    );
    let output = dir.ssh_keygen(
        &[
            "-Y",
            "verify",
            "-f",
            "allowed_signers",
            "-I",
            PRINCIPAL,
            "-n",
            NAMESPACE,
            "-s",
            "record.json.sig",
            "-O",
            "verify-time=20240601Z",
        ],
        Some(&dir.path("record.json")),
        None,
    );
    assert!(output.status.success(), "{output:?}");
}

#[test]
fn a_loose_key_file_is_refused() {
    let dir = Dir::new();
    let key = dir.openssh_key("key", "");
    for loose in [0o644, 0o640, 0o604, 0o620] {
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(loose)).unwrap();
        let error = Signer::load(&key, None).unwrap_err().to_string();
        let access = if loose == 0o620 { "writable" } else { "readable" };
        assert_eq!(
            error,
            format!(
                "refused: signing key {path} is {access} by group or others (mode {loose:04o}); run chmod 600 {path}",
                path = key.display()
            )
        );
    }
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o400)).unwrap();
    Signer::load(&key, None).unwrap();

    let missing = Signer::load(&dir.path("nothing"), None).unwrap_err();
    assert!(matches!(missing, SigningError::Missing { .. }), "{missing}");
    let not_a_key = dir.write("not-a-key", "hello\n");
    std::fs::set_permissions(&not_a_key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let error = Signer::load(&not_a_key, None).unwrap_err().to_string();
    assert!(error.contains("is not an OpenSSH private key"), "{error}");
}

/// Nothing half-written (`.NAME.tmp`) is left in `dir`.
fn assert_no_temporary_files(dir: &Path) {
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn keygen_never_replaces_a_key_and_keeps_existing_signers() {
    let dir = Dir::new();
    let config = dir.path("config");
    std::fs::create_dir(&config).unwrap();
    let existing = "# team keys\nalice@example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILM+rvN+ot98qgEN796jTiQfZfG1KaT0PtFDJ/XFSqti";
    dir.write("config/allowed_signers", existing);
    std::fs::set_permissions(
        dir.path("config/allowed_signers"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();

    let files = signing::keygen(&config, PRINCIPAL, None).unwrap();
    let text = dir.read("config/allowed_signers");
    assert_eq!(text, format!("{existing}\n{}\n", files.allowed_signers_line));
    assert_eq!(
        mode(&files.allowed_signers),
        0o640,
        "an existing file keeps its mode"
    );
    let signers = AllowedSigners::load(&files.allowed_signers).unwrap();
    assert_eq!(signers.signers.len(), 2);

    let before = dir.read("config/signing_key");
    let error = signing::keygen(&config, "other@example.com", None).unwrap_err();
    assert!(matches!(error, SigningError::Exists { .. }), "{error}");
    assert_eq!(dir.read("config/signing_key"), before);
    assert_eq!(dir.read("config/allowed_signers"), text);
    assert_no_temporary_files(&config);

    let error = signing::keygen(&dir.path("elsewhere"), "two words", None).unwrap_err();
    assert!(matches!(error, SigningError::BadIdentity { .. }), "{error}");
    assert!(!dir.path("elsewhere/signing_key").exists());
}

#[test]
fn keygen_command_writes_the_key_and_says_how_to_verify() {
    let mut test = crate::common::Test::new().args(["keygen", "--identity", PRINCIPAL]);
    let config = test.config_dir();
    let outcome = test.run();
    outcome
        .success()
        .stdout_contains("Fingerprint: SHA256:")
        .stdout_contains(&format!("  {PRINCIPAL} namespaces=\"runbook-incident\" ssh-ed25519 AAAA"))
        .stdout_contains(&format!(
            "ssh-keygen -Y verify -f {}/allowed_signers -I {PRINCIPAL} -n runbook-incident -s RECORD.json.sig < RECORD.json",
            config.display()
        ));
    assert_eq!(mode(&config.join("signing_key")), 0o600);
    let signer = Signer::load(&config.join("signing_key"), None).unwrap();
    assert!(outcome.stdout.contains(&signer.fingerprint()));

    test.again(["keygen"])
        .status(2)
        .stderr_contains("already exists; runbook keygen never replaces a key")
        .stderr_contains("hint: move");
}

#[test]
fn keygens_at_once_take_turns_and_make_one_key() {
    let test = crate::common::Test::new();
    let config = test.config_dir();
    let runs: Vec<_> = (0..8)
        .map(|n| {
            test.command(["keygen", "--identity", &format!("ops{n}@example.com")])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = runs
        .into_iter()
        .map(|run| run.wait_with_output().unwrap())
        .collect();
    let made = outputs.iter().filter(|output| output.status.success()).count();
    assert_eq!(made, 1, "exactly one keygen makes the key");
    for output in outputs.iter().filter(|output| !output.status.success()) {
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("already exists; runbook keygen never replaces a key"),
            "{stderr}"
        );
    }
    let signer = Signer::load(&config.join("signing_key"), None).unwrap();
    let allowed = AllowedSigners::load(&config.join("allowed_signers")).unwrap();
    assert_eq!(allowed.signers.len(), 1);
    let line = std::fs::read_to_string(config.join("allowed_signers")).unwrap();
    let public = std::fs::read_to_string(config.join("signing_key.pub")).unwrap();
    let key = public.split_whitespace().nth(1).unwrap();
    assert!(
        line.contains(key),
        "{line} trusts the key made: {}",
        signer.fingerprint()
    );
    assert_no_temporary_files(&config);
}

#[test]
fn keygen_command_defaults_to_user_at_host_and_takes_a_passphrase_file() {
    let test = crate::common::Test::new()
        .file("passphrase", "correct horse\n")
        .chmod("passphrase", 0o600)
        .args(["keygen", "--passphrase-file", "passphrase"]);
    let config = test.config_dir();
    test.run()
        .success()
        .stdout_contains("encrypted with the passphrase")
        .stdout_contains("-I ops@");
    let allowed = std::fs::read_to_string(config.join("allowed_signers")).unwrap();
    assert!(allowed.starts_with("ops@"), "{allowed}");
    Signer::load(&config.join("signing_key"), Some("correct horse")).unwrap();

    crate::common::Test::new()
        .file("passphrase", "correct horse\n")
        .args(["keygen", "--passphrase-file", "passphrase"])
        .run()
        .status(2)
        .stderr_contains("refused: passphrase file passphrase is readable by group or others (mode 0644)");
    crate::common::Test::new()
        .args(["keygen", "--passphrase-file", "missing"])
        .run()
        .status(2)
        .stderr_contains("passphrase file missing");
    // A named pipe nobody writes to is refused, not waited on.
    let mut test = crate::common::Test::new();
    let fifo = test.work().join("fifo");
    rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::from_raw_mode(0o600)).unwrap();
    test.again_promptly(["keygen", "--passphrase-file", "fifo"])
        .status(2)
        .stderr_contains("cannot read passphrase file fifo: is a named pipe (FIFO)");
}

/// The record format says records signed by `ssh-keygen -Y sign` are
/// accepted like runbook's own: with RSA and ECDSA keys too, not only
/// ed25519.
#[test]
fn we_verify_what_ssh_keygen_signs_with_rsa_and_ecdsa_keys() {
    for key_type in [
        &["rsa", "-b", "3072"][..],
        &["ecdsa", "-b", "256"],
        &["ecdsa", "-b", "384"],
        &["ecdsa", "-b", "521"],
    ] {
        let dir = Dir::new();
        assert!(dir.openssh_key_of("key", key_type), "ssh-keygen -t {key_type:?}");
        dir.write("record.json", RECORD);
        let signature = dir.openssh_sign("key", NAMESPACE, "record.json", None);
        let signers = dir.trust("key", "namespaces=\"runbook-incident\"");
        let output = dir.openssh_verify("allowed_signers", PRINCIPAL, "record.json");
        assert!(output.status.success(), "{key_type:?}: {output:?}");

        let verified = verify(RECORD, &signature, &signers, at())
            .unwrap_or_else(|error| panic!("{key_type:?}: {error}"));
        assert_eq!(verified.principal, PRINCIPAL);
        let openssh_fingerprint = dir.ssh_keygen(&["-l", "-f", "key.pub"], None, None);
        assert!(
            String::from_utf8_lossy(&openssh_fingerprint.stdout).contains(&verified.fingerprint),
            "{key_type:?}"
        );
        let changed = [RECORD, b" "].concat();
        let error = verify(&changed, &signature, &signers, at()).unwrap_err();
        assert!(
            matches!(error, VerifyError::Mismatch { .. }),
            "{key_type:?}: {error}"
        );
    }
}

/// Every signature runbook does not check is refused by the same message,
/// naming what made it, never as "malformed".
#[test]
fn a_signature_by_a_key_type_we_do_not_check_is_named() {
    let dir = Dir::new();
    dir.write("record.json", RECORD);
    let mut checked = 0;
    for (key_type, made_with) in [
        (&["rsa", "-b", "1024"][..], "a 1024-bit RSA key"),
        (&["dsa"], "a ssh-dss key"),
    ] {
        // A newer OpenSSH may make neither.
        let _ = std::fs::remove_file(dir.path("key"));
        let _ = std::fs::remove_file(dir.path("key.pub"));
        let _ = std::fs::remove_file(dir.path("record.json.sig"));
        if !dir.openssh_key_of("key", key_type) {
            continue;
        }
        checked += 1;
        let signature = dir.openssh_sign("key", NAMESPACE, "record.json", None);
        let signers = dir.trust("key", "");
        let error = verify(RECORD, &signature, &signers, at()).unwrap_err();
        assert_eq!(
            error,
            VerifyError::UnsupportedAlgorithm {
                algorithm: made_with.to_owned()
            }
        );
        let message = error.to_string();
        assert!(
            message.starts_with(&format!(
                "the signature was made with {made_with}; runbook checks ssh-ed25519, RSA"
            )),
            "{message}"
        );
        assert!(message.contains("ECDSA (ecdsa-sha2-nistp256"), "{message}");
    }
    assert!(checked > 0, "this OpenSSH made none of the keys");
}

/// README.md's `ssh-keygen -Y verify` line names a principal, `ops@web1`,
/// that is right on one machine only; next to it, the README says whose
/// it is, and `runbook keygen` prints what it says.
#[test]
fn the_readme_says_which_principal_its_verify_line_names() {
    let readme = include_str!("../README.md");
    let lines: Vec<&str> = readme.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.starts_with("ssh-keygen -Y verify") && line.contains("-I ops@web1"))
        .expect("README.md has an ssh-keygen -Y verify line");
    let near = lines[at..(at + 12).min(lines.len())].join(" ");
    assert!(
        near.contains("the `user@host` that ran `runbook keygen`"),
        "README.md does not say whose principal `-I ops@web1` is:\n{near}"
    );

    let host = rustix::system::uname().nodename().to_string_lossy().into_owned();
    let principal = format!("ops@{host}");
    crate::common::Test::new()
        .args(["keygen"])
        .run()
        .success()
        .stdout_contains(&format!(
            "  {principal} namespaces=\"runbook-incident\" ssh-ed25519 "
        ))
        .stdout_contains(&format!(" -I {principal} -n runbook-incident "));
}
