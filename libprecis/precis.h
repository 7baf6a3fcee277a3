/*  precis - the shared library of the pipeline: message schema (articles,
    results), shared options, and socket plumbing. */
#ifndef PRECIS_H
#define PRECIS_H

#include "precis_article.h"
#include "precis_config.h"
#include "precis_control.h"
#include "precis_curve.h"
#include "precis_result.h"
#include "precis_worker.h"

#define PRECIS_VERSION "0.1.0"

#endif
