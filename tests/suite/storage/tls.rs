//! The connection to PostgreSQL encrypted as the URL's `sslmode` asks
//! (libpq's meanings), against the test server's own TLS: encrypted when
//! asked, never in the clear when required, and a certificate that does
//! not check out refused with the reason.

use crate::common::postgres::{off_runtime, TestPostgres};
use chatsmart::server::store::sql::tls;
use chatsmart::server::store::{self, Database, NewAgent, Offline, OpenOptions};

/// Whether this connection is encrypted, as the server sees it.
fn encrypted(url: &str) -> Result<bool, String> {
    off_runtime(|| {
        let mut c = tls::connect(url)?;
        let row = c
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .map_err(|e| e.to_string())?;
        Ok(row.get(0))
    })
}

fn with(url: &str, query: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{query}")
}

/// The server's TLS setting and certificate file.
fn server_tls(url: &str) -> (bool, String) {
    off_runtime(|| {
        let mut c = tls::connect(url).unwrap();
        let on: String = c.query_one("SHOW ssl", &[]).unwrap().get(0);
        let cert: String = c.query_one("SHOW ssl_cert_file", &[]).unwrap().get(0);
        (on == "on", cert)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connection_is_encrypted_as_sslmode_asks() {
    let Some(pg) = TestPostgres::create("tls") else {
        return;
    };
    let (on, cert) = server_tls(&pg.url);
    assert!(!encrypted(&with(&pg.url, "sslmode=disable")).unwrap());
    if !on {
        // CI's server has TLS on; a laptop's may not.
        assert!(
            std::env::var("CI").is_err(),
            "the test PostgreSQL has ssl = off"
        );
        eprintln!("PostgreSQL has ssl = off: the encrypted connections are not tried");
        let e = encrypted(&with(&pg.url, "sslmode=require")).unwrap_err();
        assert!(e.contains("TLS") || e.contains("SSL"), "{e}");
        return;
    }
    // prefer (the default, as libpq's) and require are encrypted.
    assert!(encrypted(&pg.url).unwrap());
    assert!(encrypted(&with(&pg.url, "sslmode=prefer")).unwrap());
    assert!(encrypted(&with(&pg.url, "sslmode=require")).unwrap());

    // The test server's certificate is its own (self-signed, for
    // "localhost"): verify-full against the system's roots and the URL's
    // host refuses it (an unknown issuer, or another name), with the reason.
    let e = encrypted(&with(&pg.url, "sslmode=verify-full")).unwrap_err();
    assert!(e.contains("certificate"), "{e}");

    // Given as the root, the chain checks out: verify-ca connects, and
    // verify-full connects only by a name the certificate holds.
    if std::fs::read(&cert).is_err() {
        eprintln!("the server's certificate {cert} cannot be read here: sslrootcert not tried");
        return;
    }
    let root = format!("sslrootcert={cert}");
    assert!(encrypted(&with(&pg.url, &format!("sslmode=verify-ca&{root}"))).unwrap());
    assert!(encrypted(&with(&pg.url, &format!("sslmode=require&{root}"))).unwrap());
    let names: String = off_runtime(|| {
        let out = std::process::Command::new("openssl")
            .args(["x509", "-noout", "-ext", "subjectAltName", "-in", &cert])
            .output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    });
    let by_ip = with(&pg.url, &format!("sslmode=verify-full&{root}"));
    if pg.url.contains("@127.0.0.1") && !names.contains("127.0.0.1") {
        let e = encrypted(&by_ip).unwrap_err();
        assert!(
            e.contains("not valid for name") || e.contains("NotValidForName"),
            "{e}"
        );
        if names.contains("DNS:localhost") {
            let by_name = by_ip.replacen("@127.0.0.1", "@localhost", 1);
            assert!(encrypted(&by_name).unwrap());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_opened_with_sslmode_require_works_encrypted() {
    let Some(pg) = TestPostgres::create("tls_store") else {
        return;
    };
    let (on, _) = server_tls(&pg.url);
    if !on {
        return;
    }
    let url = with(&pg.url, "sslmode=require");
    let keys = chatsmart::server::store::secrets::Keys {
        current: chatsmart::server::store::secrets::Key::generate(),
        older: vec![],
    };
    let db = Database::Postgres(url.clone());
    let s = off_runtime(|| {
        store::open(
            &db,
            Offline,
            OpenOptions {
                keys: Some(keys),
                ..Default::default()
            },
        )
    })
    .unwrap();
    let agent = s
        .create_agent(NewAgent {
            name: "Tess".into(),
            login: "tess".into(),
            role: chatsmart::protocol::Role::Agent,
            teams: vec![],
            password_hash: None,
        })
        .await
        .unwrap();
    let agents = s.list_agents().await.unwrap();
    assert!(agents.iter().any(|a| a.id == agent.id));
    // Every connection the store holds is encrypted.
    let (encrypted, plain) = off_runtime(|| {
        let mut c = tls::connect(&with(&pg.url, "sslmode=disable")).unwrap();
        let row = c
            .query_one(
                "SELECT count(*) FILTER (WHERE s.ssl), count(*) FILTER (WHERE NOT s.ssl)
                   FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
                  WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()",
                &[],
            )
            .unwrap();
        (row.get::<_, i64>(0), row.get::<_, i64>(1))
    });
    assert!(encrypted >= 2, "{encrypted} encrypted connections");
    assert_eq!(plain, 0);
}
