import * as E from 'fp-ts/lib/Either.js';
import { parseCommand, backend } from './args.js';
import { chooseBackend } from './backend.js';
import { fitHelp, fitOptions, runFit } from './commands/fit.js';
import { infoHelp, infoOptions, runInfo } from './commands/info.js';
import { logprobHelp, logprobOptions, runLogprob } from './commands/logprob.js';
import { runSample, sampleHelp, sampleOptions } from './commands/sample.js';
import type { ExitCode, Failure } from './failure.js';
import type { Io } from './io.js';
import type { Parsed } from './args.js';

export const usageText = `usage: bijective <command> [options]

  fit <data.csv> --out <model/>   fit a flow to the rows of a CSV file and save it
  logprob <model/> <rows.csv>     log-density of every row under a saved model
  sample <model/> -n <count>      draw rows from a saved model as CSV
  info <model/>                   describe a saved model

Run 'bijective <command> --help' for a command's options. Exit codes: 0 success,
1 runtime failure (training diverged, a file could not be written), 2 bad usage or input.
`;

interface Command {
  readonly options: Parameters<typeof parseCommand>[1];
  readonly help: string;
  readonly run: (p: Parsed, io: Io) => Promise<E.Either<Failure, void>>;
  /** Whether the command computes (and so selects a backend). */
  readonly computes: boolean;
}

const commands: Readonly<Record<string, Command>> = {
  fit: { options: fitOptions, help: fitHelp, run: runFit, computes: true },
  logprob: { options: logprobOptions, help: logprobHelp, run: runLogprob, computes: true },
  sample: { options: sampleOptions, help: sampleHelp, run: runSample, computes: true },
  info: { options: infoOptions, help: infoHelp, run: runInfo, computes: false },
};

/**
 * The `bijective` command: dispatch `args` (without `node` and the script)
 * to a subcommand, print failures on `io.err` as `bijective: <message>`, and
 * return the exit code (0 ok, 1 runtime failure, 2 usage or bad input).
 *
 * @example
 * ```ts
 * const code = await main(['info', 'model/'], { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
 * ```
 */
export const main = async (args: readonly string[], io: Io): Promise<ExitCode> => {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(usageText);
    return name === undefined ? 2 : 0;
  }
  const command = Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
  if (command === undefined) {
    io.err(`bijective: unknown command '${name}'\n\n${usageText}`);
    return 2;
  }
  const fail = (f: Failure): ExitCode => {
    io.err(`bijective ${name}: ${f.message}\n`);
    return f.code;
  };
  const parsed = parseCommand(rest, command.options);
  if (E.isLeft(parsed))
    return fail({ ...parsed.left, message: `${parsed.left.message}\n\n${command.help}` });
  if (parsed.right.values['help'] === true) {
    io.out(command.help);
    return 0;
  }
  if (command.computes) {
    const choice = backend(parsed.right);
    if (E.isLeft(choice)) return fail(choice.left);
    const selected = await chooseBackend(choice.right);
    if (E.isLeft(selected))
      return fail({ code: 2, message: `--backend ${choice.right}: ${selected.left}` });
    if (name === 'fit') io.err(`backend: ${selected.right}\n`);
  }
  try {
    const r = await command.run(parsed.right, io);
    return E.isLeft(r) ? fail(r.left) : 0;
  } catch (e) {
    return fail({
      code: 1,
      message: `unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    });
  }
};
