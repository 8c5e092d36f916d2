-- The programme parameters this published version was built with (program-rules.md
-- section 1, with the derived premium and capacity): one row, so officers' tools
-- (`rentan explain`) state the thresholds the rules used, not today's defaults.
select * from {{ ref('int_program_parameters') }}
