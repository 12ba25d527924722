/**
 * Tables Sentinel content already reads, as their publishers define them — derived facts, each with its
 * source (repository, path, commit), not decisions of ours. Column lists are written `name:type` in the
 * published order, `TimeGenerated` left out (every table has it first).
 *
 * - Citrix's "Citrix Analytics CCF" solution (push connector, workbook "CitrixAnalytics"): the seven
 *   `CitrixAnalytics_<stream>_V1_CL` tables, `occurrence_details_*` flattened. Each table file declares
 *   the same columns as the solution's DCR stream (`CitrixAnalytics_DCR.json`, commit 3b8c131).
 * - The legacy "Citrix Analytics for Security" solution (HTTP Data Collector API, workbook "Citrix"):
 *   `CitrixAnalytics_<stream>_CL` with the Data Collector's type suffixes (`_s`, `_d`, `_t`, `_g`), as
 *   Azure-Sentinel's KQL validation tests declare them. Columns whose name starts with `_` are left
 *   out: a DCR-based table cannot have them (`_timestamp_t`).
 * - Microsoft's "Citrix DaaS" solution: `CitrixDaaSConfigOps_CL`.
 */
import type { Column, ColumnType } from '@ctxsiem/core';

export interface PublishedTable {
  table: string;
  /** Where the table is defined: repository, path, commit. */
  source: { repo: string; path: string; commit: string };
  columns: readonly Column[];
}

const REPO = 'Azure/Azure-Sentinel';
const CCF = 'Solutions/Citrix Analytics CCF/Data Connectors/CitrixAnalytics_CCF';
const LEGACY = '.script/tests/KqlvalidationsTests/CustomTables';
const LEGACY_TYPES: Record<string, ColumnType> = { String: 'string', Real: 'real', DateTime: 'datetime' };

const columns = (list: string): Column[] =>
  list
    .trim()
    .split(/\s+/)
    .map((entry) => {
      const [name = '', type = ''] = entry.split(':');
      return { name, type: (LEGACY_TYPES[type] ?? type) as ColumnType };
    });

const COMMON =
  'event_type:string tenant_id:string entity_id:string entity_type:string timestamp:datetime version:int';

/** Citrix Analytics CCF: stream → its `_V1_CL` table. */
export const CITRIX_ANALYTICS_CCF: Readonly<Record<string, PublishedTable>> = {
  SPA_Events: {
    table: 'CitrixAnalytics_SPA_Events_V1_CL',
    source: {
      repo: REPO,
      path: `${CCF}/CitrixAnalytics_tableSPAEvents.json`,
      commit: '156eec4fcddbcb1de366f19520411bbfd0f09a65',
    },
    columns:
      columns(`${COMMON} event_id:string occurrence_event_type:string product:string event_category:string
      event_source:string app_name:string saas_app_name:string policy_name:string rule_name:string policy_result:string
      event_status:string info_code:string event_description:string app_fqdn:string saas_app_launch_url:string
      store_url:string operation_type:string transaction_id:string app_type:string launch_type:string session_key:string
      session_type:string hardware_id:string mode_of_access:string client_ip:string city:string country:string
      device_id:string product_version:string file_size_in_bytes:real file_download_file_path:string
      file_download_file_format:string device_type:string job_details_filename:string os_name:string os_version:string
      os_extra_info:string connector_id:string resource_location_id:string browser_name:string browser_version:string
      clipboard_details_format_type:string clipboard_operation:string clipboard_details_format_size_in_bytes:real
      clipboard_details_result:string clipboard_details_initiator:string workspaceAppStatus:string scan_type:string
      test_mode:boolean skip_check:boolean endpoint_information:dynamic device_posture_tags:dynamic
      compromised_password:boolean user_name:string full_name:string identity_provider:string user_oid:string
      user_sid:string user_upn:string user_email:string url:string`),
  },
  indicatorSummary: {
    table: 'CitrixAnalytics_indicatorSummary_V1_CL',
    source: {
      repo: REPO,
      path: `${CCF}/CitrixAnalytics_tableIndicatorSummary.json`,
      commit: '5c8d4fdfbe582f91c47b9f028144e5b8d3e2cb63',
    },
    columns: columns(`event_type:string indicator_type:string severity:string pre_configured:string
      indicator_category:string indicator_id:string indicator_name:string indicator_uuid:string data_source:string
      occurrence_details_condition:string occurrence_details_type:string occurrence_details_time_unit:string
      occurrence_details_happen:int occurrence_details_time_quantity:int occurrence_details_repeat:int
      occurrence_details_new_entities:string risk_probability:real tenant_id:string timestamp:datetime
      entity_id:string entity_type:string ui_link:string version:int data_source_id:int indicator_category_id:int`),
  },
  CCC_Events: {
    table: 'CitrixAnalytics_CCC_Events_V1_CL',
    source: {
      repo: REPO,
      path: `${CCF}/CitrixAnalytics_tableCCCEvents.json`,
      commit: '3b8c131d53fbaa76eb9b287809a080e704fa8d3d',
    },
    columns: columns(`account_id:string client_ip:string client_os:string entity_id:string entity_type:string
      event_id:string event_type:string event_user_id:string oauth_client_id:string occurrence_event_type:string
      operation_name:string product:string tenant_id:string timestamp:datetime version:int`),
  },
  CVAD_Events: {
    table: 'CitrixAnalytics_CVAD_Events_V1_CL',
    source: {
      repo: REPO,
      path: `${CCF}/CitrixAnalytics_tableCVADEvents.json`,
      commit: '237da8f817ebe5ddd998aae84425f239514e0795',
    },
    columns:
      columns(`${COMMON} event_id:string occurrence_event_type:string product:string event_category:string
      event_source:string client_ip:string session_key:string city:string country:string app_name:string
      product_version:string device_id:string os_name:string os_version:string os_extra_info:string
      clipboard_details_format_type:string clipboard_operation:string clipboard_details_format_size_in_bytes:real
      clipboard_details_operation_direction:string clipboard_details_operation_permitted:string machine_name:string
      workspaceAppStatus:string`),
  },
  indicatorEventDetails: {
    table: 'CitrixAnalytics_indicatorEventDetails_V1_CL',
    source: {
      repo: REPO,
      path: `${CCF}/CitrixAnalytics_tableIndicatorEventDetails.json`,
      commit: '37b1893e3ce0ae6e05f20209e1a283960908d5ca',
    },
    columns:
      columns(`event_type:string tenant_id:string entity_id:string entity_type:string indicator_id:string
      timestamp:datetime indicator_uuid:string version:int event_id:string occurrence_event_type:string product:string
      data_source_id:int indicator_category_id:int client_ip:string session_user_name:string session_key:string
      city:string country:string app_name:string product_version:string device_id:string launch_type:string
      domain:string server_name:string os_name:string os_version:string os_extra_info:string workspaceAppStatus:string
      device_type:string device_name:string`),
  },
  riskScoreChange: {
    table: 'CitrixAnalytics_riskScoreChange_V1_CL',
    source: {
      repo: REPO,
      path: `${CCF}/CitrixAnalytics_tableRiskScoreChange.json`,
      commit: 'd3a71818054343b18b973431bb022348b7aafd60',
    },
    columns: columns(`entity_id:string tenant_id:string alert_value:real cur_riskscore:int alert_type:string
      alert_message:string event_type:string entity_type:string timestamp:datetime version:int`),
  },
  userProfile: {
    table: 'CitrixAnalytics_userProfile_V1_CL',
    source: {
      repo: REPO,
      path: `${CCF}/CitrixAnalytics_tableUserProfile.json`,
      commit: '9a06c49a401089cce7e04f02e57436c8c30acb5f',
    },
    columns: columns(`${COMMON} client_ip:string cnt:int device:string session_domain:string
      user_samaccountname:string app:string cur_riskscore:int last_update_timestamp:datetime country:string city:string`),
  },
};

/** The legacy Citrix Analytics for Security tables: stream → its `_CL` table (four streams had one). */
export const CITRIX_ANALYTICS_LEGACY: Readonly<Record<string, PublishedTable>> = {
  indicatorSummary: {
    table: 'CitrixAnalytics_indicatorSummary_CL',
    source: {
      repo: REPO,
      path: `${LEGACY}/CitrixAnalytics_indicatorSummary_CL.json`,
      commit: '1b4ccf67c11f615b5400fbe44a4f4e5f8893becb',
    },
    columns:
      columns(`entity_id_s:String entity_type_s:String event_type_s:String tenant_id_s:String version_d:Real
      data_source_id_d:Real data_source_s:String indicator_category_id_d:Real indicator_category_s:String
      indicator_id_s:String indicator_name_s:String indicator_type_s:String indicator_uuid_g:String
      indicator_vector_id_d:Real indicator_vector_name_s:String indicator_vector_s:String
      occurrence_details_city_s:String occurrence_details_client_ip_s:String occurrence_details_condition_s:String
      occurrence_details_country_s:String occurrence_details_cumulative_event_count_day_d:Real
      occurrence_details_device_id_s:String occurrence_details_event_count_d:Real
      occurrence_details_event_description_s:String occurrence_details_exfiltrated_data_volume_in_bytes_d:Real
      occurrence_details_file_hash_g:String occurrence_details_happen_d:Real
      occurrence_details_historical_logon_locations_s:String occurrence_details_historical_observation_period_in_days_d:Real
      occurrence_details_lifetime_download_count_d:Real occurrence_details_lifetime_download_volume_in_bytes_d:Real
      occurrence_details_lifetime_users_downloaded_d:Real occurrence_details_link_first_downloaded_t:DateTime
      occurrence_details_new_entities_s:String occurrence_details_observation_start_time_t:DateTime
      occurrence_details_region_s:String occurrence_details_relevant_event_type_s:String occurrence_details_repeat_d:Real
      occurrence_details_risky_domain_category_list_s:String occurrence_details_suspicious_network_risk_d:Real
      occurrence_details_time_quantity_d:Real occurrence_details_time_unit_s:String occurrence_details_tool_name_s:String
      occurrence_details_type_s:String occurrence_details_user_device_risk_d:Real
      occurrence_details_user_location_risk_d:Real occurrence_details_user_network_risk_d:Real
      occurrence_details_virus_name_s:String occurrence_details_webroot_threat_categories_s:String
      pre_configured_s:String risk_probability_d:Real severity_s:String ui_link_s:String`),
  },
  indicatorEventDetails: {
    table: 'CitrixAnalytics_indicatorEventDetails_CL',
    source: {
      repo: REPO,
      path: `${LEGACY}/CitrixAnalytics_indicatorEventDetails_CL.json`,
      commit: '84ca86a4dd2dae03e22f21bb267e1f5726b03fe0',
    },
    columns:
      columns(`entity_id_s:String entity_type_s:String event_type_s:String tenant_id_s:String version_d:Real
      app_name_s:String app_url_s:String authentication_stage_s:String authentication_type_s:String
      auth_server_ip_s:String browser_s:String city_s:String client_ip_s:String component_name_s:String
      connector_type_s:String country_s:String cs_vserver_name_s:String data_source_id_d:Real device_browser_s:String
      device_id_s:String device_os_s:String device_type_s:String domain_category_group_s:String domain_category_s:String
      domain_name_s:String domain_reputation_d:String domain_s:String entity_time_zone_s:String
      event_description_s:String event_id_s:String executed_action_s:String file_download_file_name_s:String
      file_download_file_path_s:String file_hash_g:String file_name_s:String file_path_s:String
      file_size_in_bytes_d:Real file_type_s:String folder_name_s:String gateway_domain_name_s:String
      gateway_ip_s:String indicator_category_id_d:Real indicator_id_s:String indicator_uuid_g:String
      indicator_vector_id_d:Real indicator_vector_name_s:String is_risky_s:String job_details_filename_s:String
      job_details_format_s:String job_details_size_in_bytes_s:String latitude_s:String launch_type_s:String
      lifetime_first_event_time_t:DateTime lifetime_num_times_downloaded_d:Real
      lifetime_total_download_size_in_bytes_d:Real lifetime_unique_user_count_d:Real
      lifetime_unique_user_emails_s:String longitude_s:String module_file_path_s:String nth_failure_d:Real
      occurrence_event_type_s:String operation_name_s:String os_extra_details_s:String os_extra_info_s:String
      os_major_version_s:String os_minor_version_s:String os_name_s:String os_version_s:String policy_name_s:String
      printer_name_s:String product_s:String reason_for_action_s:String receiver_type_s:String region_s:String
      resource_name_s:String resource_type_s:String security_expression_s:String server_name_s:String
      session_guid_s:String session_user_name_s:String share_id_s:String tool_name_s:String transaction_count_d:Real
      user_email_s:String virus_name_s:String vpn_vserver_name_s:String vserver_fqdn_s:String`),
  },
  riskScoreChange: {
    table: 'CitrixAnalytics_riskScoreChange_CL',
    source: {
      repo: REPO,
      path: `${LEGACY}/CitrixAnalytics_riskScoreChange_CL.json`,
      commit: '1b4ccf67c11f615b5400fbe44a4f4e5f8893becb',
    },
    columns: columns(`cur_riskscore_d:Real entity_id_s:String entity_type_s:String event_type_s:String
      tenant_id_s:String version_d:Real alert_type_s:String alert_value_s:String alert_message_s:String`),
  },
  userProfile: {
    table: 'CitrixAnalytics_userProfile_CL',
    source: {
      repo: REPO,
      path: `${LEGACY}/CitrixAnalytics_userProfile_CL.json`,
      commit: '51be4ea9808b9ce60a2aed329f652073957601cf',
    },
    columns: columns(`app_s:String city_s:String cnt_d:Real country_s:String cur_riskscore_d:Real
      data_usage_bytes_d:Real deleted_file_cnt_d:Real device_s:String downloaded_bytes_d:Real
      downloaded_file_cnt_d:Real entity_id_s:String entity_type_s:String event_type_s:String session_domain_s:String
      shared_file_cnt_d:Real tenant_id_s:String uploaded_bytes_d:Real uploaded_file_cnt_d:Real
      user_samaccountname_s:String version_d:Real`),
  },
};

/** Microsoft's Citrix DaaS solution: the configuration log's table. */
export const MICROSOFT_DAAS_CONFIG_OPS: PublishedTable = {
  table: 'CitrixDaaSConfigOps_CL',
  source: {
    repo: REPO,
    path: 'Solutions/Citrix DaaS/Data Connectors/CitrixDaaS_CCF/CitrixDaaS_table_ConfigOps.json',
    commit: '0f9510ec475f27de16ef99fa84c8f79e24651a33',
  },
  columns: columns(`OperationId:string OperationText:string User:string UserIdentity:string Source:string
    AdminMachineIp:string StartTime:datetime EndTime:datetime IsSuccessful:boolean OperationType:string
    CitrixCustomerId:string`),
};
