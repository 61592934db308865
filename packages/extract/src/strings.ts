/** Printable ASCII strings (tabs included) of at least `min` characters, with their offsets. */
export function* findStrings(img: Uint8Array, min = 4): Generator<{ offset: number; text: string }> {
  let i = 0;
  while (i < img.length) {
    const b = img[i]!;
    if (!((b >= 0x20 && b < 0x7f) || b === 0x09)) {
      i++;
      continue;
    }
    let j = i;
    while (j < img.length && ((img[j]! >= 0x20 && img[j]! < 0x7f) || img[j] === 0x09)) j++;
    if (j - i >= min) yield { offset: i, text: Buffer.from(img.buffer, img.byteOffset + i, j - i).toString('latin1') };
    i = j;
  }
}
