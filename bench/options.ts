/** A benchmark's numeric command-line option: `--name N`, or the fallback. */
export function numberOption (name: string, fallback: number, args: string[] = process.argv.slice(2)): number {
  const index = args.indexOf(`--${name}`)
  return index === -1 ? fallback : Number(args[index + 1])
}
