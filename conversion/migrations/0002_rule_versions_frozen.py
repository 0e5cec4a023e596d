"""Freeze conversion rule versions in the database itself, from approval on.

Once a version is approved, published or retired:
- an UPDATE that changes a content column (rule, number, programme, source, validity, notes,
  authorship) raises; only the lifecycle may move: approved → published, published → retired,
  and a published version's ``ends_on`` may be set once (when the next version takes over);
- a retired version changes no more;
- DELETE raises;
- its targets and source atoms refuse INSERT, UPDATE and DELETE.

The services never try any of this; the triggers make "a published version never changes" hold
for a direct UPDATE too. TRUNCATE is left alone so that test databases can be flushed.
"""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION conversion_version_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status IN ('approved', 'published', 'retired') THEN
            RAISE EXCEPTION 'conversion rule version % is % and cannot be deleted',
                OLD.id, OLD.status;
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status NOT IN ('approved', 'published', 'retired') THEN
        RETURN NEW;
    END IF;
    IF NEW.rule_id IS DISTINCT FROM OLD.rule_id
       OR NEW.version IS DISTINCT FROM OLD.version
       OR NEW.previous_version_id IS DISTINCT FROM OLD.previous_version_id
       OR NEW.programme_id IS DISTINCT FROM OLD.programme_id
       OR NEW.source IS DISTINCT FROM OLD.source
       OR NEW.valid_from IS DISTINCT FROM OLD.valid_from
       OR NEW.valid_until IS DISTINCT FROM OLD.valid_until
       OR NEW.notes_zh IS DISTINCT FROM OLD.notes_zh
       OR NEW.notes_en IS DISTINCT FROM OLD.notes_en
       OR NEW.created_by_id IS DISTINCT FROM OLD.created_by_id
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR NEW.submitted_at IS DISTINCT FROM OLD.submitted_at
       OR NEW.approved_by_id IS DISTINCT FROM OLD.approved_by_id
       OR NEW.approved_at IS DISTINCT FROM OLD.approved_at THEN
        RAISE EXCEPTION 'conversion rule version % is % and its content cannot change',
            OLD.id, OLD.status;
    END IF;
    IF OLD.status = 'retired' AND ROW(NEW.*) IS DISTINCT FROM ROW(OLD.*) THEN
        RAISE EXCEPTION 'conversion rule version % is retired and cannot change', OLD.id;
    END IF;
    IF NOT (NEW.status = OLD.status
            OR (OLD.status = 'approved' AND NEW.status = 'published')
            OR (OLD.status = 'published' AND NEW.status = 'retired')) THEN
        RAISE EXCEPTION 'conversion rule version % cannot go from % to %',
            OLD.id, OLD.status, NEW.status;
    END IF;
    IF OLD.status = 'published' AND (
           NEW.published_by_id IS DISTINCT FROM OLD.published_by_id
           OR NEW.published_at IS DISTINCT FROM OLD.published_at
           OR NEW.announcement_id IS DISTINCT FROM OLD.announcement_id
           OR (OLD.ends_on IS NOT NULL AND NEW.ends_on IS DISTINCT FROM OLD.ends_on)) THEN
        RAISE EXCEPTION 'conversion rule version % is published and cannot change', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER conversion_ruleversion_frozen
    BEFORE UPDATE OR DELETE ON conversion_ruleversion
    FOR EACH ROW EXECUTE FUNCTION conversion_version_frozen();

CREATE OR REPLACE FUNCTION conversion_version_part_frozen() RETURNS trigger AS $$
DECLARE
    parent_status text;
BEGIN
    SELECT status INTO parent_status FROM conversion_ruleversion
        WHERE id = (CASE WHEN TG_OP = 'DELETE' THEN OLD.version_id ELSE NEW.version_id END);
    IF parent_status IN ('approved', 'published', 'retired') THEN
        RAISE EXCEPTION 'the % of a % conversion rule version cannot change (% refused)',
            TG_TABLE_NAME, parent_status, TG_OP;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.version_id IS DISTINCT FROM OLD.version_id THEN
        SELECT status INTO parent_status FROM conversion_ruleversion WHERE id = OLD.version_id;
        IF parent_status IN ('approved', 'published', 'retired') THEN
            RAISE EXCEPTION 'the % of a % conversion rule version cannot change (% refused)',
                TG_TABLE_NAME, parent_status, TG_OP;
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER conversion_ruletarget_frozen
    BEFORE INSERT OR UPDATE OR DELETE ON conversion_ruletarget
    FOR EACH ROW EXECUTE FUNCTION conversion_version_part_frozen();

CREATE TRIGGER conversion_ruleatom_frozen
    BEFORE INSERT OR UPDATE OR DELETE ON conversion_ruleatom
    FOR EACH ROW EXECUTE FUNCTION conversion_version_part_frozen();
"""

ALLOW = """
DROP TRIGGER IF EXISTS conversion_ruleatom_frozen ON conversion_ruleatom;
DROP TRIGGER IF EXISTS conversion_ruletarget_frozen ON conversion_ruletarget;
DROP TRIGGER IF EXISTS conversion_ruleversion_frozen ON conversion_ruleversion;
DROP FUNCTION IF EXISTS conversion_version_part_frozen();
DROP FUNCTION IF EXISTS conversion_version_frozen();
"""


class Migration(migrations.Migration):
    dependencies = [("conversion", "0001_programmes_courses_rules")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
