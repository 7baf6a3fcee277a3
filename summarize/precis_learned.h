/*  precis_learned - the score weights of a summary asked as a share of the
    article (precis_params' share_weights). Written by bench/learn_weights
    --header; do not edit: run it again (see its --help).

    Logistic regression (L2 1, Newton's method) on the sentence labels of
    BBC News Summary, half 0, one copy of each text: 19869 sentences, 8373
    in the reference extract. Features: the score parts with weights 1,
    times the penalty, at --ratio 0.4. Log-odds weights (bias -5.536):
    centrality 3.736, position -0.082, first 0.020,
    frequency 4.047, title 1.419, length 1.004;
    a negative one is taken as 0, and the weights are scaled to add up
    to 7.0, the sum of the hand weights.
*/
#ifndef PRECIS_LEARNED_H
#define PRECIS_LEARNED_H

#define PRECIS_LEARNED_RANK      2.557
#define PRECIS_LEARNED_POSITION  0.000
#define PRECIS_LEARNED_FIRST     0.014
#define PRECIS_LEARNED_FREQUENCY 2.770
#define PRECIS_LEARNED_TITLE     0.971
#define PRECIS_LEARNED_LENGTH    0.687

#endif
