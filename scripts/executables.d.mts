export function isExecutable(path: string): boolean;
export function findOnPath(name: string): string | undefined;
