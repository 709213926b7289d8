// How certificate dates reach policy expressions. X509Certificate2.NotBefore/NotAfter are DateTime of Kind Local
// (dotnet/runtime converts the UTC validity to local time); the gateway's clock is the emulator's process clock.

import { CsDateTime } from '../expressions/runtime/datetime';

/** NotBefore/NotAfter as the expression runtime's DateTime value (Kind Local). */
export const toDotnetDateTime = (d: Date): CsDateTime => new CsDateTime(d, 'Local');

const pad = (n: number) => String(n).padStart(2, '0');

/** DateTime.ToString() in en-US ("G": M/d/yyyy h:mm:ss AM), local time — X509Certificate's FormatDate. */
export function formatDotnetDate(d: Date): string {
  const h = d.getHours() % 12 === 0 ? 12 : d.getHours() % 12;
  return `${d.getMonth() + 1}/${d.getDate()}/${d.getFullYear()} ${h}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${d.getHours() < 12 ? 'AM' : 'PM'}`;
}
