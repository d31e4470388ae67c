//! A real FHIR R4 engine as the clinic's EHR: Medplum's FHIR router with its in-memory
//! repository (`xtask/fhir-engine`, installed by `cargo xtask test`, which names its folder in
//! `ARRIVE_FHIR_ENGINE`). A test that needs it fails, rather than skips, when it is missing.

use std::process::Stdio;

use reqwest::Client;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct FhirEngine {
    pub url: String,
    client: Client,
    _process: Child,
}

impl FhirEngine {
    /// Starts an empty engine on a free loopback port.
    pub async fn start() -> FhirEngine {
        FhirEngine::start_with(&[]).await
    }

    /// `start` with the engine's options (`--require-bearer`: SMART tokens from `/$token`).
    pub async fn start_with(options: &[&str]) -> FhirEngine {
        let folder = std::env::var_os("ARRIVE_FHIR_ENGINE").expect(
            "ARRIVE_FHIR_ENGINE is not set: run the tests with `cargo xtask test`, which installs the FHIR engine",
        );
        let mut process = Command::new("node")
            .arg(std::path::Path::new(&folder).join("engine.mjs"))
            .arg("0")
            .args(options)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the FHIR engine (node)");
        let stdout = process.stdout.take().expect("the engine's output");
        let mut lines = BufReader::new(stdout).lines();
        let port = loop {
            let line = lines
                .next_line()
                .await
                .expect("read the engine's output")
                .expect("the FHIR engine stopped before listening");
            if let Some(port) = line.strip_prefix("listening ") {
                break port.trim().to_owned();
            }
        };
        FhirEngine {
            url: format!("http://127.0.0.1:{port}"),
            client: Client::new(),
            _process: process,
        }
    }

    /// POSTs a Bundle (transaction or batch) and returns the status and answer.
    pub async fn post_bundle(&self, bundle: &Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/", self.url))
            .header("content-type", "application/fhir+json")
            .json(bundle)
            .send()
            .await
            .expect("the engine answers");
        let status = response.status().as_u16();
        (status, response.json().await.expect("the engine answers JSON"))
    }

    /// The resources a search finds (`Patient?identifier=…`), as the engine holds them.
    pub async fn search(&self, query: &str) -> Vec<Value> {
        let bundle = self.get(query).await;
        assert_eq!(bundle["resourceType"], "Bundle", "search {query}: {bundle}");
        bundle["entry"]
            .as_array()
            .map(|entries| entries.iter().map(|e| e["resource"].clone()).collect())
            .unwrap_or_default()
    }

    /// The next `count` requests get `status` (an EHR having a bad moment).
    pub async fn fail_next(&self, status: u16, count: u32) {
        let response = self
            .client
            .post(format!("{}/$fail-next?status={status}&count={count}", self.url))
            .send()
            .await
            .expect("the engine answers");
        assert!(response.status().is_success());
    }

    /// How many SMART access tokens the engine's token endpoint has issued.
    pub async fn tokens_issued(&self) -> u64 {
        self.get("$tokens").await["issued"].as_u64().unwrap_or(0)
    }

    /// Every resource the engine holds, validated by Medplum against the R4 definitions and
    /// their invariants: `(resources checked, failures)`.
    pub async fn validate_all(&self) -> (u64, Vec<Value>) {
        let answer = self.get("$validate-all").await;
        (
            answer["checked"].as_u64().unwrap_or(0),
            answer["failures"].as_array().cloned().unwrap_or_default(),
        )
    }

    /// `GET <engine>/<path>`, its JSON answer.
    async fn get(&self, path: &str) -> Value {
        self.client
            .get(format!("{}/{path}", self.url))
            .send()
            .await
            .expect("the engine answers")
            .json()
            .await
            .expect("the engine answers JSON")
    }
}
