/*  precis_real - a double as the wire's JSON writes it, without printf.

    The value's exact binary form m * 2^e (m an integer below 2^53, e <= 0
    here) times 10^k is an integer of at most 53 + 67 bits for k <= 20, so
    that m * 10^k fits in an unsigned __int128 and its shift by -e leaves
    the exact quotient and remainder: the 17 significant digits rounded as
    glibc's printf rounds (to nearest, ties to even, in the default
    rounding mode) without a big-number library.
*/
#include "precis_real.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIGITS 17

static const uint64_t pow10_table[20] = {1ull,
                                         10ull,
                                         100ull,
                                         1000ull,
                                         10000ull,
                                         100000ull,
                                         1000000ull,
                                         10000000ull,
                                         100000000ull,
                                         1000000000ull,
                                         10000000000ull,
                                         100000000000ull,
                                         1000000000000ull,
                                         10000000000000ull,
                                         100000000000000ull,
                                         1000000000000000ull,
                                         10000000000000000ull,
                                         100000000000000000ull,
                                         1000000000000000000ull,
                                         10000000000000000000ull};

static unsigned __int128 pow10_wide(int k)
{
    return k < 20 ? pow10_table[k]
                  : (unsigned __int128)pow10_table[19] * pow10_table[k - 19];
}

/* round(mantissa * 2^-shift * 10^k), ties to even; k in [0, 20], shift in
   [0, 120]. */
static uint64_t scaled(uint64_t mantissa, int shift, int k)
{
    unsigned __int128 product = (unsigned __int128)mantissa * pow10_wide(k);
    if (shift == 0)
        return (uint64_t)product;
    unsigned __int128 quotient = product >> shift;
    unsigned __int128 remainder = product - (quotient << shift);
    unsigned __int128 half = (unsigned __int128)1 << (shift - 1);
    if (remainder > half || (remainder == half && (quotient & 1)))
        quotient++;
    return (uint64_t)quotient;
}

/* The %.17g form of a positive value in [1e-4, 2^53) into out; returns its
   length, or 0 when the fast path does not apply. */
static size_t format_positive(double value, char *out)
{
    int exponent2;
    double fraction = frexp(value, &exponent2); /* value = fraction * 2^exponent2 */
    uint64_t mantissa = (uint64_t)ldexp(fraction, 53);
    int shift = 53 - exponent2; /* value = mantissa * 2^-shift */
    if (shift < 0 || shift > 120)
        return 0;
    /* X, the decimal exponent of the first digit: a guess from the
       binary one, corrected below once the rounded digits are known. */
    int x = (int)floor((exponent2 - 1) * 0.30102999566398120);
    uint64_t digits = 0;
    for (int tries = 0; tries < 4; tries++) {
        int k = DIGITS - 1 - x;
        if (x < -4 || x >= DIGITS || k > 20)
            return 0;
        digits = scaled(mantissa, shift, k);
        if (digits >= pow10_table[DIGITS])
            x++; /* too many digits, or rounding carried into a new one */
        else if (digits < pow10_table[DIGITS - 1])
            x--;
        else
            break;
        digits = 0;
    }
    if (!digits)
        return 0;
    char text[DIGITS];
    for (int i = DIGITS - 1; i >= 0; i--) {
        text[i] = (char)('0' + digits % 10);
        digits /= 10;
    }
    int last = DIGITS - 1; /* %g drops the fraction's trailing zeros */
    while (last > 0 && last > x && text[last] == '0')
        last--;
    size_t len = 0;
    if (x >= 0) {
        memcpy(out, text, (size_t)x + 1);
        len = (size_t)x + 1;
        if (last > x) {
            out[len++] = '.';
            memcpy(out + len, text + x + 1, (size_t)(last - x));
            len += (size_t)(last - x);
        }
    } else {
        out[len++] = '0';
        out[len++] = '.';
        for (int i = 0; i < -x - 1; i++)
            out[len++] = '0';
        memcpy(out + len, text, (size_t)last + 1);
        len += (size_t)last + 1;
    }
    return len;
}

size_t precis_real_format(double value, char buffer[PRECIS_REAL_MAX])
{
    size_t len = 0;
    double magnitude = fabs(value);
    if (magnitude >= 1e-4 && magnitude < 9007199254740992.0) {
        if (signbit(value))
            buffer[len++] = '-';
        size_t digits = format_positive(magnitude, buffer + len);
        len = digits ? len + digits : 0;
    } else if (value == 0) {
        len =
            (size_t)snprintf(buffer, PRECIS_REAL_MAX, "%s", signbit(value) ? "-0" : "0");
    }
    if (!len)
        len = (size_t)snprintf(buffer, PRECIS_REAL_MAX, "%.17g", value);
    if (!memchr(buffer, '.', len) && !memchr(buffer, 'e', len) &&
        !memchr(buffer, 'n', len) && !memchr(buffer, 'i', len)) {
        memcpy(buffer + len, ".0", 3);
        len += 2;
    }
    buffer[len] = '\0';
    return len;
}

/* 1 when value formats as snprintf's "%.17g" plus jansson's ".0". */
static int differs(double value, bool verbose)
{
    char expected[PRECIS_REAL_MAX], got[PRECIS_REAL_MAX];
    int n = snprintf(expected, sizeof expected, "%.17g", value);
    if (!strpbrk(expected, ".eni"))
        snprintf(expected + n, sizeof expected - (size_t)n, ".0");
    size_t len = precis_real_format(value, got);
    if (len == strlen(expected) && strcmp(got, expected) == 0)
        return 0;
    if (verbose)
        printf("real: %a gave \"%s\", expected \"%s\"\n", value, got, expected);
    return 1;
}

int precis_real_test(bool verbose)
{
    int failures = 0;
    const double edges[] = {0.0,
                            -0.0,
                            1.0,
                            -1.0,
                            2.0,
                            10.0,
                            0.1,
                            0.5,
                            1e-4,
                            9.9999999999999991e-5,
                            1.0000000000000001e-4,
                            0.00012345678901234567,
                            123456789.0,
                            1e16,
                            9999999999999998.0,
                            9007199254740991.0,
                            9007199254740992.0,
                            1e17,
                            1e300,
                            5e-324,
                            5.3538374264408048,
                            2.9764807811036689,
                            0.99999999999999989,
                            9.9999999999999982,
                            99999999999999.984,
                            INFINITY,
                            -INFINITY,
                            NAN};
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
        failures += differs(edges[i], verbose);
    /* Powers of ten and their neighbours, where the digit count changes. */
    for (int p = -6; p <= 17; p++) {
        double power = pow(10.0, p);
        failures += differs(power, verbose);
        failures += differs(nextafter(power, 0), verbose);
        failures += differs(nextafter(power, INFINITY), verbose);
    }
    /* Random bit patterns (any double), values of scores' range, and
       decimals with few digits (ties and trailing zeros). */
    uint64_t state = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 1000000 && failures < 10; i++) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        double value;
        if (i % 3 == 0) {
            uint64_t bits = state;
            memcpy(&value, &bits, sizeof value);
        } else if (i % 3 == 1)
            value = ldexp((double)(state >> 11), -53) * pow(10.0, (int)(state % 12) - 4);
        else
            value = (double)(state % 100000) / pow10_table[state >> 60 & 7];
        failures += differs(value, verbose);
    }
    return failures ? 1 : 0;
}
