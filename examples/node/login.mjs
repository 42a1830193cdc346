// login: sign in to Plex with a PIN, list the servers, connect to each, from Node.js through
// plexlink's C ABI (koffi), every declaration read from plexlink.h (plexlink-header.mjs).
//
//     npm ci
//     node login.mjs                                     # the real plex.tv
//     node login.mjs http://127.0.0.1:PORT/              # the emulator (plexlink-emulator --port 0)
//     node login.mjs --approve-as alice http://127.0.0.1:PORT/
//
// --approve-as approves the PIN itself through the emulator's control endpoint
// (POST /_emulator/pins/{id}/approve), as the person would on plex.tv/link: the tests use it.
// The library and header are found with pkg-config (plexlink.pc), or PLEXLINK_LIBRARY and
// PLEXLINK_HEADER name them.
//
// The calls run as plexlink tasks (on the library's threads) and are awaited with
// plexlink_task_wait on one of koffi's worker threads, so the event loop stays free while a
// PIN is waited for: here, free to approve it.

import { execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import koffi from 'koffi';
import { bindHeader } from './plexlink-header.mjs';

function pkgConfig(variable) {
    try {
        return execFileSync('pkg-config', [`--variable=${variable}`, 'plexlink'], { encoding: 'utf8' }).trim();
    } catch {
        throw new Error('plexlink not found: install it (scripts/install-c.sh) and set PKG_CONFIG_PATH, or set PLEXLINK_LIBRARY and PLEXLINK_HEADER');
    }
}

const libraryName = process.platform === 'darwin' ? 'libplexlink.dylib' : 'libplexlink.so';
const libraryPath = process.env.PLEXLINK_LIBRARY || `${pkgConfig('libdir')}/${libraryName}`;
const headerPath = process.env.PLEXLINK_HEADER || `${pkgConfig('includedir')}/plexlink.h`;
const { fn: c, constants: k, api } = bindHeader(koffi, libraryPath, headerPath);

class PlexlinkError extends Error {
    constructor(what, code, message) {
        super(`${what} failed: ${c.plexlink_result_str(code)} (${message})`);
        this.code = code;
    }
}

// The calling thread's last error: read right after the call that failed, on the same thread.
function lastError() {
    const buf = Buffer.alloc(1024);
    const n = [0];
    c.plexlink_last_error_message(buf, buf.length, n);
    return buf.toString('utf8', 0, n[0]);
}

function check(what, result) {
    if (result !== k.PLEXLINK_RESULT_OK) throw new PlexlinkError(what, result, lastError());
}

// Calls a function whose last parameter is an output, and returns what it wrote.
function out(what, f, ...args) {
    const value = [null];
    check(what, f(...args, value));
    return value[0];
}

const waitForTask = promisify(c.plexlink_task_wait.async);

// Starts a task (no callbacks: the wait below is how JS hears of the end), waits for it off
// the event loop and takes its value. The task is freed whatever happens.
async function task(what, start, take) {
    const t = out(what, start, null, null);
    try {
        const result = [0];
        // UINT64_MAX: no time limit (stdint.h's, as the header says).
        check(what, await waitForTask(t, k.UINT64_MAX, result));
        if (result[0] !== k.PLEXLINK_RESULT_OK) {
            throw new PlexlinkError(what, result[0], c.plexlink_task_error_message(t));
        }
        return out(what, take, t);
    } finally {
        c.plexlink_task_free(t);
    }
}

async function approve(plexUrl, pinId, account) {
    const url = new URL(`_emulator/pins/${pinId}/approve?account=${encodeURIComponent(account)}`, plexUrl);
    const answer = await fetch(url, { method: 'POST' });
    if (answer.status !== 204) throw new Error(`the emulator did not approve PIN ${pinId}: HTTP ${answer.status}`);
    console.log(`(PIN ${pinId} approved as ${account} through the emulator)`);
}

async function main() {
    let plexUrl = null;
    let approveAs = null;
    const args = process.argv.slice(2);
    for (let i = 0; i < args.length; i++) {
        if (args[i] === '--approve-as') approveAs = args[++i];
        else plexUrl = args[i];
    }
    if (approveAs && !plexUrl) throw new Error('--approve-as needs the emulator URL');

    // The header's version constants against the library loaded: the same release.
    const headerVersion = `${k.PLEXLINK_VERSION_MAJOR}.${k.PLEXLINK_VERSION_MINOR}.${k.PLEXLINK_VERSION_PATCH}`;
    if (c.plexlink_version() !== headerVersion) {
        throw new Error(`plexlink.h is ${headerVersion} but the library is ${c.plexlink_version()}`);
    }
    const ownConstants = [...api.constants.keys()].filter((name) => name.startsWith('PLEXLINK_')).length;
    console.log(`plexlink ${c.plexlink_version()}: ${api.functions.size} functions, ${ownConstants} constants ` +
        `and ${api.structs.size} structs declared from ${headerPath}`);

    // Make the identifier once per installation and keep it: plex.tv lists each new one as a
    // new device. A real player stores a random UUID in its settings.
    const builder = out('configuration', c.plexlink_client_config_builder_new, 'plexlink Node example', 'plexlink-node-example-3f9c2d71');
    let config = null;
    try {
        check('device name', c.plexlink_client_config_builder_set_device_name(builder, 'plexlink example'));
        if (plexUrl) check('plex.tv URL', c.plexlink_client_config_builder_set_plex_url(builder, plexUrl));
        config = out('configuration', c.plexlink_client_config_builder_build, builder);
    } finally {
        // A successful build consumes the builder; until then it is ours to free.
        if (config === null) c.plexlink_client_config_builder_free(builder);
    }
    let client = null;
    let pin = null;
    let servers = null;
    try {
        client = out('client', c.plexlink_client_new, config);

        // 1. A PIN, and where to enter it.
        pin = await task('creating a PIN', (...o) => c.plexlink_task_create_pin(client, false, ...o), c.plexlink_task_take_pin);
        const id = c.plexlink_pin_id(pin);
        console.log(`Open ${out('link URL', c.plexlink_client_link_url, client)} and enter the code ${c.plexlink_pin_code(pin)}`);
        console.log(`PIN id: ${id}`);

        // 2. Wait until the person approves it (the PIN expires after 15 minutes). The wait
        // runs while this thread approves it, when asked to.
        const options = c.plexlink_wait_options_default();
        if (process.env.PLEXLINK_EXAMPLE_FAST) options.interval_ms = 200; // for the tests
        const token = task('waiting for the sign-in',
            (...o) => c.plexlink_task_wait_for_token(client, pin, options, ...o), c.plexlink_task_take_string);
        if (approveAs) await approve(plexUrl, id, approveAs);
        // The token is a secret: a real player stores it safely and never prints it.
        const accountToken = await token;
        console.log('Signed in.');

        // 3. The servers, and the best working connection of each (its own token, not the
        // account's, goes to each server).
        servers = await task('listing servers', (...o) => c.plexlink_task_servers(client, accountToken, ...o), c.plexlink_task_take_device_list);
        const count = c.plexlink_device_list_len(servers);
        console.log(`${count} server(s):`);
        for (let i = 0; i < count; i++) {
            const server = c.plexlink_device_list_get(servers, i);
            console.log(`  ${c.plexlink_device_name(server)} (${c.plexlink_device_owned(server) ? 'owned' : 'shared'})`);
            let connected = null;
            try {
                const policy = c.plexlink_race_policy_default(); // a JS object, copied in
                connected = await task('connecting', (...o) => c.plexlink_task_connect(client, server, policy, ...o), c.plexlink_task_take_connect_result);
                console.log(`    server URL: ${c.plexlink_connect_result_uri(connected)} (chosen in ` +
                    `${c.plexlink_connect_result_elapsed_ms(connected)} ms among ${c.plexlink_connect_result_candidates_len(connected)} candidates)`);
            } catch (e) {
                if (!(e instanceof PlexlinkError)) throw e;
                console.log(`    no connection: ${e.message}`);
            } finally {
                c.plexlink_connect_result_free(connected);
            }
        }
    } finally {
        c.plexlink_device_list_free(servers);
        c.plexlink_pin_free(pin);
        c.plexlink_client_free(client);
        c.plexlink_client_config_free(config);
    }
}

main().catch((e) => {
    console.error(`login: ${e.message}`);
    process.exitCode = 1;
});
