package web

import (
	"errors"
	"strconv"

	"tenantry/internal/tenantry"
)

func itoa(i int) string { return strconv.Itoa(i) }

func asError(err error, e **tenantry.Error) bool { return errors.As(err, e) }
