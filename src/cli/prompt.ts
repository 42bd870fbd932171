import readline from 'node:readline';

/** Reads a secret: the whole of standard input when piped, otherwise a prompt that does not echo. */
export async function readSecret(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  const first = await promptHidden(question);
  const second = await promptHidden('Again: ');
  if (first !== second) throw new Error('The two passwords differ');
  return first;
}

function promptHidden(question: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // Echo the question but not what is typed.
  const writer = rl as unknown as { _writeToOutput: (text: string) => void };
  let asked = false;
  writer._writeToOutput = (text) => {
    if (!asked) process.stderr.write(text);
    asked = true;
  };
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      process.stderr.write('\n');
      rl.close();
      resolve(answer);
    });
  });
}
