/*  precis_real - a double as the wire's JSON writes it, without printf.

    jansson writes a real with "%.17g" and adds ".0" when the result looks
    like an integer; the offline command writes its scores the same way so
    that its lines and the pipeline's compare equal as text. snprintf's
    format parsing and its general conversion cost about 2,700 instructions
    a score (callgrind), three times an article. This module gives the same
    bytes for the values scores take in about a tenth of that, and falls
    back to snprintf for the rest.
*/
#ifndef PRECIS_REAL_H
#define PRECIS_REAL_H

#include <stdbool.h>
#include <stddef.h>

/* Room precis_real_format needs: sign, 17 digits, point, exponent, ".0",
   NUL, with margin. */
#define PRECIS_REAL_MAX 40

/* Writes value into buffer as snprintf(buffer, ..., "%.17g", value) does,
   then ".0" when that has none of '.', 'e', 'n' or 'i' (as jansson's
   dump). Returns the length written, without the NUL. Exact for every
   double: values from 1e-4 up to 2^53 in magnitude (and zero) are
   converted with 128-bit integer arithmetic, whose rounding of the exact
   binary value is printf's (round half to even); the rest go through
   snprintf. */
size_t precis_real_format(double value, char buffer[PRECIS_REAL_MAX]);

/* Self test: compares with snprintf on edge cases and a million values. */
int precis_real_test(bool verbose);

#endif
