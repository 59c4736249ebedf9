// Built into a real WebAssembly component by componentize-qjs (see ../../build-hello.mjs).
// `wpack run build/hello.wpack --policy … --dir .::/data -- Ada` prints one greeting per line of greetings.txt.
import { getArguments, getEnvironment } from 'wasi:cli/environment@0.2.12';
import { getStdout } from 'wasi:cli/stdout@0.2.12';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';

const bytes = (text) => new Uint8Array(Array.from(text, (c) => c.charCodeAt(0) & 0xff));
const text = (data) => Array.from(data, (b) => String.fromCharCode(b)).join('');

function greetings() {
  const data = getDirectories().find(([, path]) => path === '/data');
  if (data === undefined) return ['Hello'];
  const file = data[0].openAt({ symlinkFollow: true }, 'greetings.txt', {}, { read: true });
  const [content] = file.read(4096, 0);
  return text(content).split('\n').filter((line) => line !== '');
}

export const run = {
  run() {
    const [, name = 'world'] = getArguments();
    const loud = new Map(getEnvironment()).get('APP_STYLE') === 'loud';
    const lines = greetings().map((word) => `${word}, ${name}${loud ? '!!!' : '!'}`);
    getStdout().blockingWriteAndFlush(bytes(`${lines.join('\n')}\n`));
  },
};
