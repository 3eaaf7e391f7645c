/* sim_jpeg.c: the picture attached to pushed events.
 *
 * A complete baseline JPEG of 8x8 mid-grey pixels, built by hand rather
 * than encoded: one quantisation table, a DC and an AC Huffman table with
 * a single one-bit code each (DC difference category 0, end of block), and
 * one scan byte. Every decoder accepts it, it is 159 bytes (checked to decode with libjpeg: 8x8,
 * one component, value 128), and the simulator needs no image library. Receivers that check magic
 * bytes, markers or decode the picture all see a real image. */
#include "sim.h"

static const unsigned char jpeg__gray8x8[] = {
    0xFF, 0xD8,                                           /* SOI */
    0xFF, 0xE0, 0x00, 0x10, 'J',  'F',  'I',  'F',  0x00, /* APP0 JFIF 1.01, no thumbnail */
    0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, /* DQT:
                                                                                           table 0,
                                                                                           8-bit,
                                                                                           all ones
                                                                                         */
    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,
    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,
    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,
    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,    1,
    1,    1,    1,    1,    0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08, 0x00, 0x08, /* SOF0: 8 bit,
                                                                                     8x8 */
    0x01, 0x01, 0x11, 0x00,       /* one component, 1x1, table 0 */
    0xFF, 0xC4, 0x00, 0x14, 0x00, /* DHT: DC table 0, one code of length 1 -> 0 */
    0x01, 0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0,    0x00, 0xFF, 0xC4, 0x00, 0x14, 0x10, /* DHT: AC table 0, one code of length 1 -> EOB */
    0x01, 0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0,    0x00, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, /* SOS */
    0x3F,       /* bits 0 (DC diff 0), 0 (EOB), then 1-padding */
    0xFF, 0xD9, /* EOI */
};

const unsigned char *sim_jpeg(size_t *len)
{
    *len = sizeof(jpeg__gray8x8);
    return jpeg__gray8x8;
}
