"use strict";
// The Azure DevOps task's handler: runs the golive binary bundled for this agent's OS and
// architecture with the task's inputs, under the names golive reads (INPUT_<NAME>), and
// with the credentials of the Azure Resource Manager service connection, if one is given.
// golive itself writes the output variables (##vso[task.setvariable …;isOutput=true]),
// the logged issues and the summary; this handler adds the task's result.
//
// The task's files: index.js, task.json, node_modules/, bin/<rust target>/golive[.exe].
const fs = require("fs");
const path = require("path");
const { spawn } = require("child_process");
const tl = require("azure-pipelines-task-lib/task");

// task.json's inputs (camelCase, as tasks name them) and golive's names for them.
const INPUTS = [
  ["api", "API"],
  ["publisherId", "PUBLISHER_ID"],
  ["offerId", "OFFER_ID"],
  ["productId", "PRODUCT_ID"],
  ["operationLocation", "OPERATION_LOCATION"],
  ["wait", "WAIT"],
  ["dryRun", "DRY_RUN"],
  ["maxParallel", "MAX_PARALLEL"],
  ["timeout", "TIMEOUT"],
  ["pollInterval", "POLL_INTERVAL"],
  ["token", "TOKEN"],
  ["tenantId", "TENANT_ID"],
  ["clientId", "CLIENT_ID"],
  ["clientSecret", "CLIENT_SECRET"],
  ["serviceConnectionId", "SERVICE_CONNECTION_ID"],
  ["managedIdentity", "MANAGED_IDENTITY"],
  ["authorityHost", "AUTHORITY_HOST"],
  ["baseUrl", "BASE_URL"],
  ["apiVersion", "API_VERSION"],
];

// The Rust target of the binary for this agent; Windows on Arm runs the x64 one.
function target() {
  const key = `${process.platform}/${process.arch}`;
  const targets = {
    "linux/x64": "x86_64-unknown-linux-musl",
    "linux/arm64": "aarch64-unknown-linux-musl",
    "darwin/x64": "x86_64-apple-darwin",
    "darwin/arm64": "aarch64-apple-darwin",
    "win32/x64": "x86_64-pc-windows-gnu",
    "win32/arm64": "x86_64-pc-windows-gnu",
  };
  if (!targets[key]) {
    throw new Error(`golive has no binary for a ${key} agent (it has linux and macOS x64 and arm64, and Windows x64)`);
  }
  return targets[key];
}

// golive's credential inputs from the service connection, as the agent hands it over.
function connection(id) {
  const scheme = tl.getEndpointAuthorizationScheme(id, false);
  const parameter = (name) => tl.getEndpointAuthorizationParameter(id, name, true) || "";
  const env = {
    INPUT_TENANT_ID: parameter("tenantid"),
    INPUT_CLIENT_ID: parameter("serviceprincipalid"),
  };
  switch (scheme) {
    case "WorkloadIdentityFederation": {
      // golive asks the agent's OIDC endpoint for this connection's token, with the job's
      // access token (what AzureCLI@2 does; no secret is stored anywhere).
      const accessToken = tl.getEndpointAuthorizationParameter("SYSTEMVSSCONNECTION", "AccessToken", false);
      return {
        ...env,
        INPUT_SERVICE_CONNECTION_ID: id,
        SYSTEM_ACCESSTOKEN: accessToken,
        SYSTEM_OIDCREQUESTURI: tl.getVariable("System.OidcRequestUri") || "",
      };
    }
    case "ServicePrincipal":
      if (parameter("authenticationType") === "spnCertificate") {
        throw new Error(`service connection ${id} authenticates with a certificate, which golive does not take: use workload identity federation (recommended) or a secret`);
      }
      return { ...env, INPUT_CLIENT_SECRET: parameter("serviceprincipalkey") };
    case "ManagedServiceIdentity":
      return { INPUT_TENANT_ID: env.INPUT_TENANT_ID, INPUT_MANAGED_IDENTITY: "true" };
    default:
      throw new Error(`service connection ${id} uses the ${scheme || "unknown"} scheme; golive takes workload identity federation, a service principal secret, or a managed identity`);
  }
}

// task-lib's own debug lines print each input and connection parameter in clear (the
// agent masks what it knows as secret); golive prints no secret anywhere, so the task's
// reads are quiet, and golive masks each secret it is given.
function quietly(read) {
  const debug = tl.debug;
  tl.debug = () => {};
  try {
    return read();
  } finally {
    tl.debug = debug;
  }
}

function main() {
  const env = {};
  for (const [name, value] of Object.entries(process.env)) {
    // The agent's INPUT_<TASKINPUT> names are not golive's (it would warn of typos), and
    // task-lib takes only the non-empty ones out of the environment.
    if (!name.startsWith("INPUT_")) env[name] = value;
  }
  for (const [input, golive] of INPUTS) {
    const value = quietly(() => tl.getInput(input, false));
    if (value) env[`INPUT_${golive}`] = value;
  }
  const id = tl.getInput("azureSubscription", false);
  if (id) {
    for (const [name, value] of Object.entries(quietly(() => connection(id)))) {
      // An input given explicitly wins over the connection's value.
      if (value && !(name.startsWith("INPUT_") && env[name])) env[name] = value;
    }
  }
  const exe = process.platform === "win32" ? ".exe" : "";
  const binary = path.join(__dirname, "bin", target(), `golive${exe}`);
  if (!fs.existsSync(binary)) {
    throw new Error(`this copy of the task has no golive for the agent's platform (${binary} is missing): reinstall the extension`);
  }
  // The agent unpacks the extension without file modes.
  if (!exe) fs.chmodSync(binary, 0o755);
  const child = spawn(binary, [], { env, stdio: "inherit" });
  // Cancelling the job stops golive the way it stops on its own: outputs, then exit. On
  // Linux and macOS the agent signals this process, which passes it on; on Windows the
  // console's Ctrl-C reaches golive itself (Node would kill it outright), so the task only
  // waits for it.
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      if (process.platform !== "win32") child.kill(signal);
    });
  }
  child.on("error", (error) => {
    process.exitCode = 1;
    tl.setResult(tl.TaskResult.Failed, `could not run ${binary}: ${error.message}`);
  });
  child.on("exit", (code, signal) => {
    // The task exits as golive did (a shell step running golive would), besides its result.
    process.exitCode = code === null ? 1 : code;
    if (code === 0) {
      tl.setResult(tl.TaskResult.Succeeded, "");
    } else {
      const how = signal ? `was stopped by ${signal}` : `exited with code ${code}`;
      tl.setResult(tl.TaskResult.Failed, `golive ${how} (its log above says why; exit codes are in golive's README)`);
    }
  });
}

try {
  main();
} catch (error) {
  // Before golive ran: an input of the task itself (no binary, an unusable connection).
  process.exitCode = 2;
  tl.setResult(tl.TaskResult.Failed, error.message);
}
