/*
 * A stub harness for the answering logic of a device written by `mmio-model qemu`: the test
 * compiles it with the generated file (-DMMIO_MODEL_STANDALONE, MMIO_MODEL_C naming the file) and
 * feeds it accesses on stdin, one a line:
 *   x                          reset (a new run)
 *   w REGION OFFSET WIDTH VALUE
 *   r REGION OFFSET WIDTH      prints "VALUE KIND" (hex value; the rule kind's number, -1 none)
 * Numbers are hex without 0x, except REGION and WIDTH (decimal).
 */
#include <inttypes.h>
#include <stdio.h>
#include MMIO_MODEL_C

int main(void)
{
    static MMDevice dev;
    char op;
    unsigned region, width;
    uint64_t offset, value;
    mm_reset(&dev);
    while (scanf(" %c", &op) == 1) {
        if (op == 'x') {
            mm_reset(&dev);
        } else if (op == 'w' && scanf("%u %" SCNx64 " %u %" SCNx64, &region, &offset, &width, &value) == 4) {
            mm_write(&dev, region, offset, width, value);
        } else if (op == 'r' && scanf("%u %" SCNx64 " %u", &region, &offset, &width) == 3) {
            int kind;
            value = mm_read(&dev, region, offset, width, &kind);
            printf("%" PRIx64 " %d\n", value, kind);
        } else {
            fprintf(stderr, "harness: bad input\n");
            return 2;
        }
    }
    return 0;
}
