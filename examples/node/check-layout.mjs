// Checks that what koffi made of plexlink.h (plexlink-header.mjs) is what a C compiler makes of
// it: for every struct of the header, its size and alignment and each field's offset, and the
// size of every enum's C type. A struct layout surprise (padding, a field type the header
// spells in a way the generator misreads) fails here rather than corrupting memory at a call.
//
//     node check-layout.mjs [CC]      # CC defaults to $CC or cc; flags from pkg-config plexlink
//
// It writes a C program that prints the compiler's numbers, builds it against the same header,
// runs it and compares. Exits 1 and lists the differences when there are any.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import koffi from 'koffi';
import { bindHeader } from './plexlink-header.mjs';

const pkgConfig = (...args) => execFileSync('pkg-config', [...args, 'plexlink'], { encoding: 'utf8' }).trim();
const libraryName = process.platform === 'darwin' ? 'libplexlink.dylib' : 'libplexlink.so';
const libraryPath = process.env.PLEXLINK_LIBRARY || `${pkgConfig('--variable=libdir')}/${libraryName}`;
const headerPath = process.env.PLEXLINK_HEADER || `${pkgConfig('--variable=includedir')}/plexlink.h`;
const { api } = bindHeader(koffi, libraryPath, headerPath);

// One line per number: "<what> <value>", from koffi and from C.
const expected = new Map();
const lines = [];
for (const [name, fields] of api.structs) {
    expected.set(`sizeof ${name}`, koffi.sizeof(name));
    expected.set(`alignof ${name}`, koffi.alignof(name));
    lines.push(`    printf("sizeof ${name} %zu\\n", sizeof(${name}));`);
    lines.push(`    printf("alignof ${name} %zu\\n", (size_t)_Alignof(${name}));`);
    for (const f of fields) {
        expected.set(`offsetof ${name}.${f.name}`, koffi.offsetof(name, f.name));
        lines.push(`    printf("offsetof ${name}.${f.name} %zu\\n", offsetof(${name}, ${f.name}));`);
    }
}
for (const [name] of api.enums) {
    expected.set(`sizeof ${name}`, koffi.sizeof(name));
    lines.push(`    printf("sizeof ${name} %zu\\n", sizeof(${name}));`);
}

const dir = mkdtempSync(join(tmpdir(), 'plexlink-layout-'));
try {
    const source = join(dir, 'layout.c');
    const program = join(dir, 'layout');
    writeFileSync(source, `#include <stddef.h>\n#include <stdio.h>\n#include <plexlink.h>\n\nint main(void) {\n${lines.join('\n')}\n    return 0;\n}\n`);
    const cc = process.argv[2] || process.env.CC || 'cc';
    const includeDir = headerPath.replace(/\/[^/]*$/, '');
    execFileSync(cc, ['-std=c11', '-Wall', '-Werror', `-I${includeDir}`, '-o', program, source], { stdio: 'inherit' });
    const actual = new Map(execFileSync(program, { encoding: 'utf8' }).trim().split('\n').map((line) => {
        const at = line.lastIndexOf(' ');
        return [line.slice(0, at), Number(line.slice(at + 1))];
    }));
    const differences = [...expected].filter(([what, value]) => actual.get(what) !== value)
        .map(([what, value]) => `  ${what}: koffi ${value}, C ${actual.get(what)}`);
    if (differences.length) {
        console.error(`koffi's layout of ${headerPath} differs from the C compiler's:\n${differences.join('\n')}`);
        process.exitCode = 1;
    } else {
        console.log(`layout: ${api.structs.size} structs (${[...api.structs.values()].flat().length} fields) and ` +
            `${api.enums.size} enum types as the C compiler lays them out`);
    }
} finally {
    rmSync(dir, { recursive: true, force: true });
}
