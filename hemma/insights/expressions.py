"""Time arithmetic done by the database, one float a row: the dashboard reads tens of
thousands of durations, and Django's generic DurationField subtraction on SQLite calls a
Python function per row and converts every timestamp back to a datetime. SQLite and
PostgreSQL (the two databases Hemma runs on) do it natively."""

from django.db.models import DateTimeField, FloatField, Func

UNIX_EPOCH_JULIAN_DAY = 2440587.5
SECONDS_A_DAY = 86400.0


class _Seconds(Func):
    output_field = FloatField()

    @property
    def convert_value(self):
        return self._convert_value_noop  # both databases return a float (or NULL) already


class EpochSeconds(_Seconds):
    """A timestamp as seconds since 1970-01-01 UTC (NULL stays NULL)."""

    arity = 1

    def as_sqlite(self, compiler, connection, **extra):
        # Django keeps timestamps in SQLite as UTC text, which julianday() reads.
        template = f"((julianday(%(expressions)s) - {UNIX_EPOCH_JULIAN_DAY}) * {SECONDS_A_DAY})"
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = "EXTRACT(EPOCH FROM %(expressions)s)::double precision"
        return self.as_sql(compiler, connection, template=template, **extra)


class SecondsBetween(_Seconds):
    """end − begin in seconds."""

    arity = 2

    def as_sqlite(self, compiler, connection, **extra):
        template = f"((julianday(%(expressions)s)) * {SECONDS_A_DAY})"
        return self.as_sql(
            compiler, connection, template=template, arg_joiner=") - julianday(", **extra
        )

    def as_postgresql(self, compiler, connection, **extra):
        template = "EXTRACT(EPOCH FROM (%(expressions)s))::double precision"
        return self.as_sql(compiler, connection, template=template, arg_joiner=" - ", **extra)

    def __init__(self, begin, end, **extra):
        super().__init__(end, begin, **extra)


class PlusDays(Func):
    """A timestamp `days` whole days (of 24 hours) later, as a timestamp the database can
    compare with its columns (SQLite: the same text form Django stores)."""

    output_field = DateTimeField()
    arity = 1

    def __init__(self, expression, days: int, **extra):
        self.days = int(days)
        super().__init__(expression, **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # %%%% → %% in the SQL (the template is formatted) → % (the query with its parameters)
        template = (
            f"strftime('%%%%Y-%%%%m-%%%%d %%%%H:%%%%M:%%%%f', %(expressions)s, '+{self.days} days')"
        )
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = f"(%(expressions)s + INTERVAL '{self.days} days')"
        return self.as_sql(compiler, connection, template=template, **extra)
