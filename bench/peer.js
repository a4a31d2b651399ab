#!/usr/bin/env node
// Thin wrapper around the peer, aws-local-stepfunctions (library API), for bench/run.py.
//   node peer.js DEFINITION.json [INPUT.json]     (input from stdin when omitted)
// Prints the execution's output as JSON on stdout; exits 1 with the error on stderr.
// The module is resolved from $ASLC_PEER_DIR/node_modules (set by run.py) or the usual paths.
'use strict';
const fs = require('fs');
const path = require('path');

function loadPeer() {
  const dir = process.env.ASLC_PEER_DIR;
  const paths = dir ? [path.join(dir, 'node_modules')] : undefined;
  const where = require.resolve('aws-local-stepfunctions', paths ? { paths } : undefined);
  return require(where);
}

async function main() {
  const [defFile, inFile] = process.argv.slice(2);
  if (!defFile) {
    process.stderr.write('usage: node peer.js DEFINITION.json [INPUT.json]\n');
    process.exit(2);
  }
  const { StateMachine } = loadPeer();
  const definition = JSON.parse(fs.readFileSync(defFile, 'utf8'));
  const input = JSON.parse(fs.readFileSync(inFile || 0, 'utf8'));
  const sm = new StateMachine(definition);
  const execution = sm.run(input);
  const result = await execution.result;
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((err) => {
  process.stderr.write(String((err && err.stack) || err) + '\n');
  process.exit(1);
});
