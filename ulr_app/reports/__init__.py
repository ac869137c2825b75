"""Reports: the funding return (with its workflow and frozen report runs), schools coverage,
time-off monitoring, the Go Award evidence pack and equality monitoring; their pages, charts, PDF,
CSV and XLSX. Reads every domain below it through their queries and SQL aggregates; writes only
its own records (returns, runs). May use: every domain below it."""
