/** Benchmark figures as a Markdown table on stdout, under a title line, ready for the README. */
export function printTable(title: string, rows: string[][]): void {
	const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
	const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
	process.stdout.write(['', title, line(rows[0]), line(widths.map((width) => '-'.repeat(width))), ...rows.slice(1).map(line), ''].join('\n'));
}
