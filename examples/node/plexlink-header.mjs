// Declares plexlink's C API to koffi from include/plexlink.h itself, read mechanically as a
// bindings generator would: nothing here repeats a function, a struct, an enum value or a
// constant of the header. If the header grows something a generator cannot read (a
// function-like macro, a constant that is an expression, an inline function, an array or
// bit-field in a struct, a declaration of a shape not listed below), parseHeader throws and
// says which, so the test that runs this fails instead of a binding drifting from the header.
//
// What it understands is what cbindgen writes for crates/plexlink-ffi:
//   #define NAME <integer or integer constant>    -> a constant
//   enum NAME { A = <integer>, ... };             -> constants (and the typedef that follows)
//   typedef struct NAME NAME;                     -> an opaque handle
//   typedef struct NAME { <type> <field>; ... } NAME;
//   typedef <ret> (*NAME)(<params>);              -> a callback type (a pointer to a prototype)
//   typedef <type> NAME;                          -> an alias
//   <ret> NAME(<params>);                         -> a function
// and the preprocessor lines around them, evaluated as a C11 compiler would (no __cplusplus,
// __STDC_VERSION__ 201112L): the header types its enums as uint32_t there.
//
// Parameter directions come from the header's rules (its opening comment, OWNERSHIP), since C
// has no syntax for them:
//   - a pointer followed by a size_t parameter (`char *buf, size_t len`) is the caller's buffer;
//   - otherwise a non-const pointer to a pointer or to a scalar, named `*_out` or `out_*`, is an
//     output (koffi's _Out_): `const plexlink_client **client_out`, `size_t *out_n`;
//   - a `char *` written to an output is owned by the caller and freed with
//     plexlink_string_free: it is declared as a disposable string, which koffi copies into a JS
//     string and then frees with that function. A `const char *` is lent and only copied.

import { readFileSync } from 'node:fs';

// What the C11 preprocessor sees: the values the header's #if lines test.
const PREDEFINED = new Map([['__STDC_VERSION__', 201112n]]);
// The system headers it may include, and the integer macros of theirs that the API uses: the
// header's sentinels are written with them ("no timer" is UINT64_MAX). A generator that runs a
// real preprocessor gets the same values from <stdint.h>; the fixed-width ones do not depend
// on the platform.
const SYSTEM_INCLUDES = new Map([
    ['stdbool.h', {}],
    ['stddef.h', {}],
    ['stdint.h', Object.fromEntries([8, 16, 32, 64].flatMap((bits) => [
        [`UINT${bits}_MAX`, 2n ** BigInt(bits) - 1n],
        [`INT${bits}_MAX`, 2n ** BigInt(bits - 1) - 1n],
        [`INT${bits}_MIN`, -(2n ** BigInt(bits - 1))],
    ]))],
]);
// The C types koffi knows by these names (stdint, stddef, stdbool and the basic ones).
const PRIMITIVES = new Set([
    'void', 'bool', 'char', 'int', 'unsigned int', 'long', 'unsigned long', 'float', 'double', 'size_t',
    'int8_t', 'uint8_t', 'int16_t', 'uint16_t', 'int32_t', 'uint32_t', 'int64_t', 'uint64_t',
    'intptr_t', 'uintptr_t',
]);

class HeaderError extends Error {}

function fail(what) {
    throw new HeaderError(`plexlink.h: ${what}: a bindings generator cannot use this`);
}

// Comments out, keeping newlines so that the preprocessor still sees one directive per line.
function stripComments(text) {
    return text
        .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
        .replace(/\/\/[^\n]*/g, '');
}

// Evaluates an #if expression: integers, defined(X), identifiers, ! && || and comparisons.
function evalCondition(expr, macros) {
    const tokens = expr.match(/defined\s*\(\s*\w+\s*\)|defined\s+\w+|\d+[uUlL]*|\w+|&&|\|\||[<>=!]=|[<>!()]/g) ?? [];
    if (tokens.join('').replace(/\s/g, '') !== expr.replace(/\s/g, '')) fail(`#if ${expr}`);
    let pos = 0;
    const peek = () => tokens[pos];
    const next = () => tokens[pos++];
    const primary = () => {
        const t = next();
        if (t === undefined) fail(`#if ${expr}`);
        if (t === '(') {
            const v = or();
            if (next() !== ')') fail(`#if ${expr}`);
            return v;
        }
        if (t === '!') return primary() ? 0n : 1n;
        const def = t.match(/^defined\s*\(?\s*(\w+)\s*\)?$/);
        if (def) return macros.has(def[1]) ? 1n : 0n;
        if (/^\d/.test(t)) return BigInt(t.replace(/[uUlL]+$/, ''));
        // An identifier: its integer value, or 0 when it is not a macro, as in C.
        const v = macros.get(t);
        return typeof v === 'bigint' ? v : 0n;
    };
    const compare = () => {
        let v = primary();
        while (['<', '>', '<=', '>=', '==', '!='].includes(peek())) {
            const op = next();
            const w = primary();
            v = { '<': v < w, '>': v > w, '<=': v <= w, '>=': v >= w, '==': v === w, '!=': v !== w }[op] ? 1n : 0n;
        }
        return v;
    };
    const and = () => {
        let v = compare();
        while (peek() === '&&') {
            next();
            const w = compare();
            v = v && w ? 1n : 0n;
        }
        return v;
    };
    const or = () => {
        let v = and();
        while (peek() === '||') {
            next();
            const w = and();
            v = v || w ? 1n : 0n;
        }
        return v;
    };
    const v = or();
    if (pos !== tokens.length) fail(`#if ${expr}`);
    return v !== 0n;
}

// Runs the preprocessor lines: returns the C text that is compiled, and the #define constants.
function preprocess(text) {
    const macros = new Map(PREDEFINED);
    const constants = new Map();
    const stack = []; // one { active, taken } per open #if
    const active = () => stack.every((s) => s.active);
    const out = [];
    for (const line of text.split('\n')) {
        const d = line.match(/^\s*#\s*(\w+)\s*(.*?)\s*$/);
        if (!d) {
            out.push(active() ? line : '');
            continue;
        }
        const [, directive, rest] = d;
        switch (directive) {
            case 'ifdef':
            case 'ifndef': {
                const yes = macros.has(rest) === (directive === 'ifdef');
                stack.push({ active: yes, taken: yes });
                break;
            }
            case 'if': {
                const yes = active() && evalCondition(rest, macros);
                stack.push({ active: yes, taken: yes });
                break;
            }
            case 'elif': {
                const top = stack.at(-1) ?? fail('#elif without #if');
                top.active = !top.taken && evalCondition(rest, macros);
                top.taken ||= top.active;
                break;
            }
            case 'else': {
                const top = stack.at(-1) ?? fail('#else without #if');
                top.active = !top.taken;
                top.taken = true;
                break;
            }
            case 'endif':
                if (!stack.pop()) fail('#endif without #if');
                break;
            case 'include': {
                if (!active()) break;
                const system = SYSTEM_INCLUDES.get(rest.replace(/^<(.*)>$/, '$1')) ?? fail(`#include ${rest}`);
                for (const [name, value] of Object.entries(system)) {
                    macros.set(name, value);
                    constants.set(name, value);
                }
                break;
            }
            case 'define': {
                if (!active()) break;
                const m = rest.match(/^(\w+)(\(?)\s*(.*)$/);
                if (!m || m[2]) fail(`#define ${rest} (a function-like macro)`);
                const [, name, , value] = m;
                if (value === '') {
                    macros.set(name, ''); // an include guard
                } else if (/^-?(0x[0-9a-fA-F]+|\d+)[uUlL]*$/.test(value)) {
                    const n = BigInt(value.replace(/[uUlL]+$/, ''));
                    macros.set(name, n);
                    constants.set(name, n);
                } else if (typeof macros.get(value) === 'bigint') {
                    // Another integer constant by name (`#define PLEXLINK_X UINT64_MAX`).
                    macros.set(name, macros.get(value));
                    constants.set(name, macros.get(value));
                } else {
                    fail(`#define ${name} ${value} (a constant that is not an integer literal)`);
                }
                break;
            }
            default:
                if (active()) fail(`#${directive}`);
        }
    }
    if (stack.length) fail('an #if without #endif');
    return { code: out.join('\n'), constants };
}

// Splits the compiled text into top-level declarations (at `;` outside braces).
function declarations(code) {
    const decls = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i < code.length; i++) {
        const c = code[i];
        if (c === '{') depth++;
        else if (c === '}') depth--;
        else if (c === ';' && depth === 0) {
            decls.push(code.slice(start, i).replace(/\s+/g, ' ').trim());
            start = i + 1;
        }
    }
    if (code.slice(start).trim() !== '') fail(`text after the last declaration: ${code.slice(start).trim()}`);
    return decls.filter((d) => d !== '');
}

// `const struct plexlink_task *` -> { base: 'plexlink_task', isConst: true, stars: 1 }
function parseType(text) {
    const t = text.replace(/\s*\*\s*/g, ' * ').trim();
    const words = t.split(/\s+/);
    const stars = words.filter((w) => w === '*').length;
    if (words.some((w, i) => w === '*' && words.slice(i).some((x) => x !== '*'))) fail(`the type ${text}`);
    const rest = words.filter((w) => w !== '*');
    const isConst = rest[0] === 'const';
    const core = rest.filter((w) => w !== 'const' && w !== 'struct' && w !== 'enum');
    if (rest.filter((w) => w === 'const').length > (isConst ? 1 : 0)) fail(`the type ${text} (a const pointer)`);
    return { base: core.join(' '), isConst, stars };
}

// `const struct plexlink_task **task_out` -> { name: 'task_out', type }
function parseParam(text) {
    if (/[[\]():]/.test(text)) fail(`the parameter ${text}`);
    const m = text.match(/^(.*?[\s*])(\w+)$/);
    if (!m) fail(`the parameter ${text}`);
    return { name: m[2], type: parseType(m[1]) };
}

function parseParams(text) {
    const t = text.trim();
    if (t === 'void') return [];
    if (t === '' || t.includes('...')) fail(`the parameters (${text})`);
    return t.split(',').map(parseParam);
}

function parseEnum(name, body, constants) {
    const values = new Map();
    for (const item of body.split(',').map((s) => s.trim()).filter(Boolean)) {
        const m = item.match(/^(\w+)\s*=\s*(-?(?:0x[0-9a-fA-F]+|\d+))[uUlL]*$/);
        if (!m) fail(`the enumerator ${item} of ${name} (not NAME = <integer>)`);
        const v = BigInt(m[2]);
        values.set(m[1], v);
        constants.set(m[1], v);
    }
    return values;
}

/** Reads the header's text into its declarations; throws HeaderError on anything unknown. */
export function parseHeader(text) {
    const { code, constants } = preprocess(stripComments(text));
    const api = { constants, enums: new Map(), opaques: new Set(), structs: new Map(), callbacks: new Map(), aliases: new Map(), functions: new Map() };
    // The types in header order: cbindgen writes each after those it uses, and koffi needs that.
    api.types = [];
    for (const decl of declarations(code)) {
        let m;
        if (/\binline\b|\bstatic\b|\bextern\b/.test(decl)) {
            fail(`${decl.slice(0, 80)} (static, inline or extern)`);
        } else if ((m = decl.match(/^enum (\w+) \{(.*)\}$/))) {
            api.enums.set(m[1], parseEnum(m[1], m[2], constants));
        } else if ((m = decl.match(/^typedef struct (\w+) (\w+)$/))) {
            if (m[1] !== m[2]) fail(`typedef struct ${m[1]} ${m[2]} (tag and name differ)`);
            api.opaques.add(m[1]);
            api.types.push(['opaque', m[1]]);
        } else if ((m = decl.match(/^typedef struct (\w+) \{(.*)\} (\w+)$/))) {
            if (m[1] !== m[3]) fail(`typedef struct ${m[1]} {...} ${m[3]} (tag and name differ)`);
            const fields = m[2].split(';').map((s) => s.trim()).filter(Boolean).map((f) => {
                if (/[[\]:]/.test(f)) fail(`the field ${f} of ${m[1]} (an array or bit-field)`);
                return parseParam(f);
            });
            api.structs.set(m[1], fields);
            api.types.push(['struct', m[1]]);
        } else if ((m = decl.match(/^typedef (.+?)\(\s*\*\s*(\w+)\s*\)\s*\((.*)\)$/))) {
            api.callbacks.set(m[2], { ret: parseType(m[1]), params: parseParams(m[3]) });
            api.types.push(['callback', m[2]]);
        } else if ((m = decl.match(/^typedef ([\w\s*]+?)\s*\b(\w+)$/))) {
            api.aliases.set(m[2], parseType(m[1]));
            api.types.push(['alias', m[2]]);
        } else if ((m = decl.match(/^([\w\s*]+?)\s*\b(\w+)\s*\((.*)\)$/))) {
            api.functions.set(m[2], { ret: parseType(m[1]), params: parseParams(m[3]) });
        } else {
            fail(`the declaration ${decl.slice(0, 120)}`);
        }
    }
    // Every type used must be declared by the header or be one koffi knows.
    const known = (base) =>
        PRIMITIVES.has(base) || api.opaques.has(base) || api.structs.has(base) || api.callbacks.has(base) || api.aliases.has(base) || api.enums.has(base);
    const uses = [
        ...[...api.functions].flatMap(([n, f]) => [[n, f.ret], ...f.params.map((p) => [n, p.type])]),
        ...[...api.callbacks].flatMap(([n, f]) => [[n, f.ret], ...f.params.map((p) => [n, p.type])]),
        ...[...api.structs].flatMap(([n, fs]) => fs.map((f) => [n, f.type])),
        ...[...api.aliases].map(([n, t]) => [n, t]),
    ];
    for (const [where, type] of uses) if (!known(type.base)) fail(`${where} uses the unknown type ${type.base}`);
    for (const [name] of api.enums) if (!api.aliases.has(name)) fail(`enum ${name} has no typedef for C`);
    return api;
}

// koffi's spelling of a parsed type; callback types are already pointers in C, and koffi
// declares them as pointers to a prototype.
function typeText(type, api) {
    const base = api.callbacks.has(type.base) ? `${type.base}_fn *` : type.base;
    return `${type.isConst ? 'const ' : ''}${base}${' *'.repeat(type.stars)}`;
}

const isScalar = (type, api) => type.stars === 0 && !api.structs.has(type.base) && type.base !== 'void';

/**
 * Loads the library and declares everything in the header to koffi. Returns
 * { fn: { plexlink_...: function }, constants: { NAME: Number or BigInt }, api }.
 */
export function bindHeader(koffi, libraryPath, headerPath) {
    const api = parseHeader(readFileSync(headerPath, 'utf8'));
    const lib = koffi.load(libraryPath);
    for (const [kind, name] of api.types) {
        if (kind === 'alias') {
            koffi.alias(name, typeText(api.aliases.get(name), api));
        } else if (kind === 'opaque') {
            koffi.opaque(name);
        } else if (kind === 'callback') {
            const cb = api.callbacks.get(name);
            const params = cb.params.map((p) => `${typeText(p.type, api)} ${p.name}`).join(', ') || 'void';
            koffi.proto(`${typeText(cb.ret, api)} ${name}_fn(${params})`);
            koffi.alias(name, `${name}_fn *`);
        } else {
            const fields = api.structs.get(name);
            koffi.struct(name, Object.fromEntries(fields.map((f) => [f.name, typeText(f.type, api)])));
        }
    }
    // Owned strings: converted to a JS string, then given back to the library.
    const free = api.functions.has('plexlink_string_free') ? lib.func('void plexlink_string_free(void *string)') : null;
    if (free) koffi.disposable('plexlink_owned_string', 'char *', (ptr) => free(ptr));
    const fn = {};
    for (const [name, f] of api.functions) {
        const params = f.params.map((p, i) => {
            const next = f.params[i + 1];
            const isBuffer = p.type.stars === 1 && next && next.type.base === 'size_t' && next.type.stars === 0;
            const named = /_out$|^out_/.test(p.name);
            const pointsToScalar = p.type.stars === 1 && !p.type.isConst && isScalar({ ...p.type, stars: 0 }, api);
            const isOut = named && !isBuffer && (p.type.stars >= 2 || pointsToScalar);
            if (!isOut) return `${typeText(p.type, api)} ${p.name}`;
            if (free && p.type.base === 'char' && p.type.stars === 2 && !p.type.isConst) {
                return `_Out_ plexlink_owned_string *${p.name}`;
            }
            return `_Out_ ${typeText(p.type, api)} ${p.name}`;
        });
        fn[name] = lib.func(`${typeText(f.ret, api)} ${name}(${params.join(', ') || 'void'})`);
    }
    const constants = Object.fromEntries(
        [...api.constants].map(([k, v]) => [k, v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v]),
    );
    return { fn, constants, api };
}

export { HeaderError };
