//! A stand-in for AWS on a loopback port, for the few plan-time checks that depend on what AWS
//! answers: Step Functions lists the state machines it is given (none by default) and RDS
//! describes the global cluster it is given; STS refuses (so the provider finds state machines
//! by listing, as it does without an account id); anything else is an error. Plain HTTP/1.1, one
//! request after another on each connection, as the SDK sends them to an `http://` endpoint.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One state machine the fake lists and describes.
#[derive(Clone)]
pub struct Machine {
    pub region: &'static str,
    pub name: String,
    pub definition: String,
}

/// A global cluster as RDS describes it: its id and the region of its writer member.
#[derive(Clone)]
pub struct Global {
    pub id: String,
    pub writer_region: &'static str,
    pub reader_region: &'static str,
}

#[derive(Clone, Default)]
pub struct World {
    pub machines: Vec<Machine>,
    pub global: Option<Global>,
}

pub struct FakeAws {
    pub endpoint: String,
    /// Each request: its region (from the signature's scope) and operation.
    pub calls: Arc<Mutex<Vec<(String, String)>>>,
}

impl FakeAws {
    pub async fn start(world: World) -> FakeAws {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let endpoint = format!("http://{}", listener.local_addr().expect("its address"));
        let calls = Arc::new(Mutex::new(Vec::new()));
        let (world, seen) = (Arc::new(world), calls.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, world.clone(), seen.clone()));
            }
        });
        FakeAws { endpoint, calls }
    }

    pub fn calls(&self) -> Vec<(String, String)> {
        self.calls.lock().expect("the calls").clone()
    }
}

async fn serve(socket: TcpStream, world: Arc<World>, calls: Arc<Mutex<Vec<(String, String)>>>) {
    let (read, mut write) = socket.into_split();
    let mut read = BufReader::new(read);
    loop {
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            match read.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) if line == "\r\n" => break,
                Ok(_) => headers.push(line.trim_end().to_string()),
            }
        }
        let header = |name: &str| {
            headers.iter().find_map(|h| {
                let (k, v) = h.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
        };
        let length: usize = header("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if read.read_exact(&mut body).await.is_err() {
            return;
        }
        let body = String::from_utf8_lossy(&body).to_string();
        // `Credential=AKID/DATE/REGION/SERVICE/aws4_request`
        let region = header("authorization")
            .and_then(|a| a.split('/').nth(2).map(str::to_string))
            .unwrap_or_default();
        let operation = header("x-amz-target")
            .and_then(|t| t.split_once('.').map(|(_, op)| op.to_string()))
            .or_else(|| {
                body.split('&')
                    .find_map(|p| p.strip_prefix("Action=").map(str::to_string))
            })
            .unwrap_or_default();
        calls
            .lock()
            .expect("the calls")
            .push((region.clone(), operation.clone()));
        let (status, content_type, answer) = answer(&world, &region, &operation, &body);
        let response = format!(
            "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nx-amzn-requestid: fake\r\n\r\n{answer}",
            answer.len()
        );
        if write.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

const JSON: &str = "application/x-amz-json-1.0";
const XML: &str = "text/xml";

fn answer(
    world: &World,
    region: &str,
    operation: &str,
    body: &str,
) -> (&'static str, &'static str, String) {
    let arn = |m: &Machine| {
        format!(
            "arn:aws:states:{}:123456789012:stateMachine:{}",
            m.region, m.name
        )
    };
    let here = || world.machines.iter().filter(|m| m.region == region);
    match operation {
        "ListStateMachines" => {
            let items: Vec<_> = here()
                .map(|m| {
                    serde_json::json!({"name": m.name, "stateMachineArn": arn(m), "type": "STANDARD", "creationDate": 1.7e9})
                })
                .collect();
            (
                "200 OK",
                JSON,
                serde_json::json!({ "stateMachines": items }).to_string(),
            )
        }
        "DescribeStateMachine" => {
            let wanted: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
            match here().find(|m| Some(arn(m).as_str()) == wanted["stateMachineArn"].as_str()) {
                Some(m) => (
                    "200 OK",
                    JSON,
                    serde_json::json!({
                        "name": m.name, "stateMachineArn": arn(m), "definition": m.definition,
                        "roleArn": "arn:aws:iam::123456789012:role/failover", "type": "STANDARD",
                        "creationDate": 1.7e9, "status": "ACTIVE",
                    })
                    .to_string(),
                ),
                None => (
                    "400 Bad Request",
                    JSON,
                    r#"{"__type":"com.amazonaws.sfn#StateMachineDoesNotExist","message":"State Machine Does Not Exist"}"#.to_string(),
                ),
            }
        }
        "DescribeGlobalClusters" => match &world.global {
            Some(g) => ("200 OK", XML, global_clusters(g)),
            None => (
                "404 Not Found",
                XML,
                query_error("GlobalClusterNotFoundFault"),
            ),
        },
        _ => ("403 Forbidden", XML, query_error("AccessDenied")),
    }
}

/// RDS's query protocol names the items of both lists `GlobalClusterMember`.
fn global_clusters(g: &Global) -> String {
    let member = |region: &str, writer: bool| {
        format!("<GlobalClusterMember><DBClusterArn>arn:aws:rds:{region}:123456789012:cluster:{}-{region}</DBClusterArn><IsWriter>{writer}</IsWriter></GlobalClusterMember>", g.id)
    };
    format!(
        "<DescribeGlobalClustersResponse><DescribeGlobalClustersResult><GlobalClusters><GlobalClusterMember><GlobalClusterIdentifier>{id}</GlobalClusterIdentifier><GlobalClusterArn>arn:aws:rds::123456789012:global-cluster:{id}</GlobalClusterArn><Status>available</Status><Engine>aurora-postgresql</Engine><GlobalClusterMembers>{w}{r}</GlobalClusterMembers></GlobalClusterMember></GlobalClusters></DescribeGlobalClustersResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></DescribeGlobalClustersResponse>",
        id = g.id,
        w = member(g.writer_region, true),
        r = member(g.reader_region, false),
    )
}

fn query_error(code: &str) -> String {
    format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>refused by the fake</Message></Error><RequestId>fake</RequestId></ErrorResponse>")
}
