//! A loopback TCP proxy in front of the sandbox that delays every chunk the provider sends, so a
//! test can stop terraform in the middle of an operation that the sandbox would otherwise finish
//! in a blink.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub struct LatencyProxy {
    pub url: String,
    requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl LatencyProxy {
    /// Listens on a free loopback port and forwards to `upstream` (`http://127.0.0.1:PORT`).
    pub async fn start(upstream: &str, delay: Duration) -> Self {
        let target: SocketAddr = upstream
            .trim_start_matches("http://")
            .parse()
            .expect("loopback upstream");
        assert!(
            target.ip().is_loopback(),
            "the proxy only forwards to loopback"
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(pipe(client, target, delay, counter.clone()));
            }
        });
        LatencyProxy {
            url,
            requests,
            task,
        }
    }

    /// HTTP requests forwarded so far (AWS calls, retries included).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for LatencyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Counts request lines (`... HTTP/1.1\r\n`) as they pass.
fn count_requests(chunk: &[u8]) -> usize {
    chunk.windows(11).filter(|w| w == b" HTTP/1.1\r\n").count()
}

async fn pipe(client: TcpStream, target: SocketAddr, delay: Duration, requests: Arc<AtomicUsize>) {
    let Ok(server) = TcpStream::connect(target).await else {
        return;
    };
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = async move {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n) = cr.read(&mut buf).await {
            if n == 0 {
                break;
            }
            requests.fetch_add(count_requests(&buf[..n]), Ordering::SeqCst);
            tokio::time::sleep(delay).await;
            if sw.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = sw.shutdown().await;
    };
    let down = async move {
        let _ = tokio::io::copy(&mut sr, &mut cw).await;
        let _ = cw.shutdown().await;
    };
    tokio::join!(up, down);
}
