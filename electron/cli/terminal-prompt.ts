/** Asks a node's login questions on the terminal; answers of non-echo prompts are not shown. */
export async function terminalPrompt(node: string, prompts: { prompt: string; echo: boolean }[]): Promise<string[]> {
  const answers: string[] = [];
  for (const p of prompts) answers.push(await ask(`[${node}] ${p.prompt}`, p.echo));
  return answers;
}

function ask(question: string, echo: boolean): Promise<string> {
  return new Promise((resolve) => {
    process.stderr.write(question);
    const stdin = process.stdin;
    const wasRaw = stdin.isRaw;
    stdin.setRawMode?.(true);
    stdin.resume();
    let value = '';
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.removeListener('data', onData);
          stdin.setRawMode?.(wasRaw);
          stdin.pause();
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') process.exit(130);
        if (ch === '\u007f') value = value.slice(0, -1);
        else {
          value += ch;
          if (echo) process.stderr.write(ch);
        }
      }
    };
    stdin.on('data', onData);
  });
}
