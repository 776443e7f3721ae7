//! `cargo xtask finish-dist`, Trunk's post-build hook: splits the UI's wasm (`split`), then
//! seals the build for offline, private use.
//!
//! - The page gets a Content-Security-Policy that lets scripts come only from its own origin
//!   (plus the hash of the one inline start-up script Trunk writes), wasm compile, and nothing
//!   be fetched from anywhere else. A meta tag, so it travels with the files to any host.
//! - The service worker gets this build's file list and a build id made from their contents,
//!   so a new build is a new service worker and the page can offer "reload to update".
//!
//! The e2e harness refuses and reports any request that leaves 127.0.0.1 and any policy
//! violation, so the seal is tested on every run.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256, Sha384};

use crate::files::{read_bytes, read_text, write};
use crate::process::Result;

const SERVICE_WORKER: &str = "sw.js";
const BUILD_PLACEHOLDER: &str = "__KINDLING_BUILD__";
const PRECACHE_PLACEHOLDER: &str = "['__KINDLING_PRECACHE__']";
const CSP_MARKER: &str = "http-equiv=\"Content-Security-Policy\"";

/// Splits the UI's wasm and seals the build Trunk is staging (`TRUNK_STAGING_DIR`), or `dist/`
/// when run by hand.
pub fn finish() -> Result {
    let staging = std::env::var_os("TRUNK_STAGING_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::process::root().join("dist"));
    let chunks = crate::split::split_ui(&staging)?;
    let index_path = staging.join("index.html");
    let index = with_fresh_integrity(&read_text(&index_path)?, &staging)?;
    write(&index_path, &with_security_policy(&index)?)?;

    let worker_path = staging.join(SERVICE_WORKER);
    let template = read_text(&worker_path)?;
    let files = files_to_cache(&staging)?;
    write(&worker_path, &service_worker(&template, &files)?)?;
    println!(
        "finish-dist: the UI split ({chunks} chunk(s) loaded on first use); a \
         Content-Security-Policy in index.html; {} files precached by {SERVICE_WORKER}",
        files.len()
    );
    Ok(())
}

/// The policy: same origin only, wasm allowed to compile, no plugins, no inline script but
/// the hashed ones. Inline style attributes stay allowed (the charts set them), as style
/// cannot run code.
fn security_policy(inline_scripts: &[&str]) -> String {
    let hashes: String = inline_scripts
        .iter()
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(" 'sha256-{}'", kindling_core::base64::encode(&digest))
        })
        .collect();
    [
        "default-src 'self'".to_string(),
        format!("script-src 'self' 'wasm-unsafe-eval'{hashes}"),
        "style-src 'self' 'unsafe-inline'".into(),
        "img-src 'self' data: blob:".into(),
        "connect-src 'self'".into(),
        "worker-src 'self'".into(),
        "manifest-src 'self'".into(),
        "object-src 'none'".into(),
        "base-uri 'none'".into(),
        "form-action 'none'".into(),
    ]
    .join("; ")
}

/// The text of every inline `<script>` (one with no `src`), exactly as the browser hashes it.
fn inline_scripts(html: &str) -> Vec<&str> {
    let mut scripts = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let Some(open_end) = rest[start..].find('>').map(|at| start + at + 1) else {
            break;
        };
        let Some(close) = rest[open_end..].find("</script>").map(|at| open_end + at) else {
            break;
        };
        if !rest[start..open_end].contains("src=") {
            scripts.push(&rest[open_end..close]);
        }
        rest = &rest[close..];
    }
    scripts
}

/// The page with its policy as the first thing in `<head>`, so it governs every script after it.
fn with_security_policy(html: &str) -> Result<String> {
    if html.contains(CSP_MARKER) {
        return Err("index.html already has a Content-Security-Policy".into());
    }
    let head = html
        .find("<head>")
        .map(|at| at + "<head>".len())
        .ok_or("index.html has no <head>")?;
    let policy = security_policy(&inline_scripts(html));
    Ok(format!(
        "{}\n    <meta {CSP_MARKER} content=\"{policy}\" />{}",
        &html[..head],
        &html[head..]
    ))
}

/// The page with every `integrity="sha384-…"` recomputed from the staged file its tag names:
/// Trunk hashed the UI's files before the split replaced them.
fn with_fresh_integrity(html: &str, staging: &Path) -> Result<String> {
    const INTEGRITY: &str = "integrity=\"sha384-";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(INTEGRITY) {
        let tag_start = rest[..at]
            .rfind('<')
            .ok_or("index.html has an integrity outside a tag")?;
        let tag_end = rest[at..]
            .find('>')
            .map(|end| at + end)
            .ok_or("index.html has an unclosed tag")?;
        let tag = &rest[tag_start..tag_end];
        let href = tag
            .split_once("href=\"")
            .and_then(|(_, after)| after.split_once('"'))
            .map(|(href, _)| href.trim_start_matches('/'))
            .ok_or_else(|| format!("index.html: {tag} has an integrity but no href"))?;
        let bytes = read_bytes(&staging.join(href))?;
        let value_start = at + INTEGRITY.len();
        let value_end = rest[value_start..]
            .find('"')
            .map(|end| value_start + end)
            .ok_or("index.html has an unclosed integrity")?;
        out.push_str(&rest[..value_start]);
        out.push_str(&kindling_core::base64::encode(&Sha384::digest(&bytes)));
        rest = &rest[value_end..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Every file of the build but the page (cached as `./`) and the service worker itself, as
/// site paths, sorted, with their bytes.
fn files_to_cache(staging: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    let mut folders = vec![staging.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = fs::read_dir(&folder)
            .map_err(|error| format!("cannot list {}: {error}", folder.display()))?;
        for entry in entries {
            let path = entry.map_err(|error| error.to_string())?.path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let site_path = path
                .strip_prefix(staging)
                .map_err(|error| error.to_string())?
                .components()
                .map(|part| part.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            if site_path == "index.html" || site_path == SERVICE_WORKER {
                continue;
            }
            let bytes = read_bytes(&path)?;
            files.push((format!("./{site_path}"), bytes));
        }
    }
    files.sort();
    Ok(files)
}

/// The service worker with this build's id (from every file's path and bytes) and file list.
fn service_worker(template: &str, files: &[(String, Vec<u8>)]) -> Result<String> {
    if !template.contains(BUILD_PLACEHOLDER) || !template.contains(PRECACHE_PLACEHOLDER) {
        return Err(format!(
            "{SERVICE_WORKER} has no {BUILD_PLACEHOLDER} or {PRECACHE_PLACEHOLDER} to fill in"
        ));
    }
    let mut build = Sha256::new();
    for (path, bytes) in files {
        build.update((path.len() as u64).to_le_bytes());
        build.update(path.as_bytes());
        build.update((bytes.len() as u64).to_le_bytes());
        build.update(bytes);
    }
    let build_id: String = build
        .finalize()
        .iter()
        .take(8)
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let list = files
        .iter()
        .map(|(path, _)| format!("'{}'", path.replace('\\', "\\\\").replace('\'', "\\'")))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(template
        .replace(BUILD_PLACEHOLDER, &build_id)
        .replace(PRECACHE_PLACEHOLDER, &format!("[{list}]")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<!doctype html><html><head>\n<title>t</title>\n\
        <script type=\"module\">\nimport init from '/a.js';\nawait init();\n</script>\n\
        <script src=\"/b.js\"></script></head><body></body></html>";

    #[test]
    fn only_inline_scripts_are_hashed_and_exactly_as_written() {
        assert_eq!(
            inline_scripts(PAGE),
            vec!["\nimport init from '/a.js';\nawait init();\n"]
        );
        let policy = security_policy(&inline_scripts(PAGE));
        let digest = Sha256::digest(b"\nimport init from '/a.js';\nawait init();\n");
        let expected = format!("'sha256-{}'", kindling_core::base64::encode(&digest));
        assert!(policy.contains(&expected), "{policy}");
        assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"));
        assert!(!policy.contains(" 'unsafe-eval'"));
        assert!(policy.contains("connect-src 'self'"));
    }

    #[test]
    fn the_policy_comes_before_every_script_and_is_added_once() {
        let sealed = with_security_policy(PAGE).unwrap();
        let policy_at = sealed.find(CSP_MARKER).unwrap();
        assert!(policy_at < sealed.find("<script").unwrap());
        assert!(with_security_policy(&sealed).is_err());
        assert!(with_security_policy("<html></html>").is_err());
    }

    #[test]
    fn integrity_is_recomputed_from_the_staged_files() {
        let staging =
            std::env::temp_dir().join(format!("kindling-integrity-{}", std::process::id()));
        fs::create_dir_all(&staging).unwrap();
        fs::write(staging.join("a.js"), b"split glue").unwrap();
        let page = "<head><link rel=\"modulepreload\" href=\"/a.js\" integrity=\"sha384-stale\">\
            <link rel=\"icon\" href=\"/i.svg\"></head>";
        let fresh = with_fresh_integrity(page, &staging).unwrap();
        let expected = kindling_core::base64::encode(&Sha384::digest(b"split glue"));
        assert_eq!(
            fresh,
            page.replace("sha384-stale", &format!("sha384-{expected}"))
        );
        let missing = "<link href=\"/gone.js\" integrity=\"sha384-x\">";
        assert!(with_fresh_integrity(missing, &staging).is_err());
        fs::remove_dir_all(&staging).unwrap();
    }

    #[test]
    fn a_changed_file_makes_a_different_service_worker() {
        let template =
            "const BUILD = '__KINDLING_BUILD__';\nconst PRECACHE = ['__KINDLING_PRECACHE__'];\n";
        let first = vec![
            ("./a.js".to_string(), b"one".to_vec()),
            ("./datasets/it's.csv".to_string(), b"x".to_vec()),
        ];
        let worker = service_worker(template, &first).unwrap();
        assert!(
            worker.contains("['./a.js', './datasets/it\\'s.csv']"),
            "{worker}"
        );
        assert!(!worker.contains("__KINDLING"));
        let mut second = first.clone();
        second[0].1 = b"two".to_vec();
        assert_ne!(worker, service_worker(template, &second).unwrap());
        assert_eq!(worker, service_worker(template, &first).unwrap());
        assert!(service_worker("no placeholders", &first).is_err());
    }
}
