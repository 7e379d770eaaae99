//! Shared helpers for the CLI tests: run the real binary, write sample images.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(args: &[&str]) -> Out {
    let o = Command::new(env!("CARGO_BIN_EXE_reproscope"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run reproscope");
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

pub fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, data).unwrap();
    p
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every changed/added/removed leaf in reproscope's JSON: (path, change) with the path joined by
/// '/' from below the root, skipping nodes whose only changes are derived.
pub fn leaf_changes(v: &serde_json::Value) -> Vec<(String, String)> {
    fn go(v: &serde_json::Value, path: &mut Vec<String>, out: &mut Vec<(String, String)>) {
        let details = v["details"].as_array().cloned().unwrap_or_default();
        let change = v["change"].as_str().unwrap_or("changed").to_string();
        let own_fields = v["fields"]
            .as_array()
            .map(|f| f.iter().any(|x| x.get("derived").is_none()))
            .unwrap_or(false);
        let own = change != "changed" || own_fields || !v["unified_diff"].is_null();
        if !path.is_empty() && own {
            out.push((path.join("/"), change.clone()));
        }
        for c in &details {
            let name = if c["change"] == "added" {
                &c["source2"]
            } else {
                &c["source1"]
            };
            path.push(name.as_str().unwrap_or("?").to_string());
            go(c, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    go(v, &mut Vec::new(), &mut out);
    out
}
